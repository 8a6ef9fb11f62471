import Foundation
import SealdropCore
import Synchronization

/// Backup and restore of the data dir, online (`docs/backup.md`): the use cases the command line, the scheduled
/// task and the admin API share.
///
/// Every call does its file work on a thread of its own (a backup reads and writes gigabytes and fsyncs every file;
/// on the cooperative pool that would stall requests); cancelling the calling task stops it at the next file.
public struct BackupService: Sendable {
    let sources: BackupSources
    let database: any BackupDatabaseSnapshotting
    let linker: any BackupFileLinker
    let serverVersion: String
    let now: @Sendable () -> Date

    public init(sources: BackupSources, database: any BackupDatabaseSnapshotting, linker: any BackupFileLinker = POSIXBackupLinker(),
                serverVersion: String, now: @escaping @Sendable () -> Date = Date.init) {
        self.sources = sources
        self.database = database
        self.linker = linker
        self.serverVersion = serverVersion
        self.now = now
    }

    /// Writes a backup named `<prefix>-<UTC time>` (or `name`) into `directory`, creating it (0700) if needed.
    public func create(into directory: String, prefix: String = "sealdrop", name: String? = nil, includeServerKey: Bool = true) async throws -> BackupReport {
        let chosen = name ?? BackupCreator.name(prefix: prefix, at: now())
        return try await Self.onOwnThread { cancelled in
            try BackupCreator(sources: sources, database: database, linker: linker, serverVersion: serverVersion, now: now,
                              isCancelled: cancelled).create(into: directory, name: chosen, includeServerKey: includeServerKey)
        }
    }

    /// Checks a backup folder against its manifest.
    public func verify(_ path: String) async throws -> BackupVerification {
        try await Self.onOwnThread { cancelled in try BackupVerifier(isCancelled: cancelled).verify(path) }
    }

    /// Restores a backup into an empty or new data directory; `serverKeyFile` for a backup made without the key.
    public func restore(from backup: String, to dataDirectory: String, serverKeyFile: String? = nil) async throws -> RestoreReport {
        try await Self.onOwnThread { cancelled in
            try BackupRestorer(database: database, isCancelled: cancelled).restore(from: backup, to: dataDirectory, serverKeyFile: serverKeyFile)
        }
    }

    /// The backups in `directory`, newest first.
    public func list(_ directory: String) async throws -> [BackupListing] {
        try await Self.onOwnThread { _ in BackupCatalog.list(directory) }
    }

    /// Deletes complete backups of `prefix` beyond the newest `keep`; answers their names.
    public func prune(_ directory: String, prefix: String, keep: Int) async throws -> [String] {
        try await Self.onOwnThread { _ in try BackupCatalog.prune(directory, prefix: prefix, keep: keep) }
    }

    /// Runs blocking file work on a new thread; the closure sees whether the calling task was cancelled.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable (_ cancelled: @escaping @Sendable () -> Bool) throws -> T) async throws -> T {
        let flag = CancelFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try work { flag.isSet } })
                }
                thread.name = "sealdrop-backup"
                thread.start()
            }
        } onCancel: {
            flag.set()
        }
    }
}

/// A cancellation flag shared between a task and the thread doing its work.
final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    func set() { value.store(true, ordering: .relaxed) }
}
