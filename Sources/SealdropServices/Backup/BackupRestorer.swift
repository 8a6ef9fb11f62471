import Foundation
import SealdropCore

/// What one restore wrote.
public struct RestoreReport: Sendable, Equatable {
    public var files: Int
    public var size: Int64
    /// Transfers ended in the restored database because they ended while the backup ran.
    public var endedTransfers: Int
}

/// Restores a verified backup into an empty (or new) data directory: files copied (never linked: the restored data
/// dir must not share inodes with the backup) with modes 0600 and directories 0700, each checked against the
/// manifest again as it is copied; the server key from the backup or from `serverKeyFile`, checked against the
/// manifest's key hash. On failure what it wrote is removed again.
struct BackupRestorer {
    let database: any BackupDatabaseSnapshotting
    let isCancelled: @Sendable () -> Bool

    func restore(from backup: String, to target: String, serverKeyFile: String?) throws -> RestoreReport {
        let verification = try BackupVerifier(isCancelled: isCancelled).verify(backup)
        guard verification.isValid, let manifest = verification.manifest else {
            throw BackupError.invalid(path: backup, problems: verification.problems)
        }
        var keySource: String?
        if let serverKeyFile {
            guard let hashed = try? BackupFiles.hash(serverKeyFile), hashed.sha256 == manifest.serverKeySHA256 else {
                throw BackupError.serverKeyMismatch(path: serverKeyFile)
            }
            keySource = manifest.includesServerKey ? nil : serverKeyFile
        } else if !manifest.includesServerKey {
            throw BackupError.serverKeyMissing
        }
        let createdTarget = try prepareTarget(target)
        do {
            var created: Set<String> = [target]
            var size: Int64 = 0
            for entry in manifest.files {
                if isCancelled() { throw CancellationError() }
                try BackupFiles.makeParents(of: entry.path, under: target, created: &created)
                guard let copied = try BackupFiles.copy(backup + "/" + entry.path, to: target + "/" + entry.path),
                      copied.size == entry.size, copied.sha256 == entry.sha256 else {
                    throw BackupError.invalid(path: backup, problems: ["\(entry.path) changed while it was restored"])
                }
                size += copied.size
            }
            if let keySource {
                _ = try BackupFiles.copy(keySource, to: target + "/" + BackupSources.serverKey)
            }
            let ended = manifest.skippedTransfers.compactMap(TrackingID.init(rawValue:))
            let spoolless = manifest.skippedArchiveCopies.compactMap(TrackingID.init(rawValue:))
            if !ended.isEmpty || !spoolless.isEmpty {
                do {
                    try database.reconcile(endedTransfers: ended, missingArchiveCopies: spoolless, inDatabaseAt: target + "/" + BackupSources.database)
                } catch let error as BackupError {
                    throw error
                } catch {
                    throw BackupError.database(String(describing: error).prefix(300).description)
                }
            }
            for dir in created.sorted(by: { $0.count > $1.count }) { try BackupFiles.sync(dir, directory: true) }
            return RestoreReport(files: manifest.files.count + (keySource == nil ? 0 : 1), size: size, endedTransfers: ended.count)
        } catch {
            if createdTarget {
                BackupFiles.removeTree(target)
            } else {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? [] { BackupFiles.removeTree(target + "/" + name) }
            }
            throw error
        }
    }

    /// Refuses a target that holds anything; creates a missing one (0700). Answers whether it created it.
    private func prepareTarget(_ target: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, (try? FileManager.default.contentsOfDirectory(atPath: target))?.isEmpty == true else {
                throw BackupError.targetNotEmpty(path: target)
            }
            return false
        }
        try BackupFiles.makeDirectoryTree(target)
        return true
    }
}
