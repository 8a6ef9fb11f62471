#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SealdropCore

/// What one `create` wrote.
public struct BackupReport: Sendable, Equatable {
    public var name: String
    public var path: String
    public var files: Int
    public var size: Int64
    /// Files that are hard links of the live ones (the rest were copied).
    public var linked: Int
    /// Transfers that ended while the backup ran (see `BackupManifest.skippedTransfers`).
    public var skippedTransfers: Int
    public var seconds: Double
}

/// Writes one backup (`docs/backup.md`): the database snapshot first, then the blobs and archive spool the snapshot
/// lists (hard links where the file system allows, else copies), the server key and the mail templates, each file
/// fsynced; the manifest last; then the folder is renamed from `<name>.partial` into place.
///
/// A process killed at any moment leaves a `.partial` folder (which `verify` refuses and the next run removes) or a
/// complete backup. Runs synchronously: call it from a thread of its own.
struct BackupCreator {
    let sources: BackupSources
    let database: any BackupDatabaseSnapshotting
    let linker: any BackupFileLinker
    let serverVersion: String
    let now: @Sendable () -> Date
    /// Checked between files; true stops the backup (its partial folder is removed).
    let isCancelled: @Sendable () -> Bool

    /// The name a backup taken at `date` gets: `<prefix>-YYYYMMDDTHHMMSSZ`.
    static func name(prefix: String, at date: Date) -> String {
        let c = CivilTime(date)
        return prefix + "-" + c.compact
    }

    func create(into directory: String, name: String, includeServerKey: Bool) throws -> BackupReport {
        let started = Date()
        guard BackupCatalog.isName(name), !name.hasSuffix(BackupCatalog.partialSuffix) else { throw BackupError.badName(name) }
        guard FileManager.default.fileExists(atPath: sources.databasePath) else { throw BackupError.noDatabase(path: sources.databasePath) }
        try BackupFiles.makeDirectoryTree(directory)
        let lock = try BackupCatalog.lock(directory)
        defer { close(lock) }
        BackupCatalog.removePartials(in: directory)
        let final = directory + "/" + name
        guard !BackupFiles.exists(final) else { throw BackupError.exists(path: final) }
        let partial = final + BackupCatalog.partialSuffix
        try BackupFiles.makeDirectory(partial)
        do {
            let report = try write(into: partial, includeServerKey: includeServerKey)
            guard rename(partial, final) == 0 else { throw BackupError.posix("rename", partial) }
            try BackupFiles.sync(directory, directory: true)
            return BackupReport(name: name, path: final, files: report.files.count, size: report.files.reduce(0) { $0 + $1.size },
                                linked: report.linked, skippedTransfers: report.skipped, seconds: Date().timeIntervalSince(started))
        } catch {
            BackupFiles.removeTree(partial)
            throw error
        }
    }

    /// Fills the partial folder and writes its manifest; answers the manifest's entries, the links and skipped transfers.
    private func write(into root: String, includeServerKey: Bool) throws -> (files: [BackupManifest.Entry], linked: Int, skipped: Int) {
        var entries: [BackupManifest.Entry] = []
        var created: Set<String> = [root]
        var linked = 0
        var skipped = Set<String>()
        var skippedSpool = Set<String>()
        // 1. The database: the snapshot defines the backup's point in time and which blobs belong to it.
        let createdAt = now()
        let contents: BackupSnapshotContents
        do {
            contents = try database.snapshot(to: root + "/" + BackupSources.database)
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError.database(String(describing: error).prefix(300).description)
        }
        entries.append(try entry(BackupSources.database, in: root))
        // 2. The server key: the one secret. Its hash is recorded either way, so a key given to restore can be checked.
        guard let key = try? BackupFiles.hash(sources.serverKeyPath) else { throw BackupError.posix("open", sources.serverKeyPath, ENOENT) }
        if includeServerKey {
            guard let copied = try BackupFiles.copy(sources.serverKeyPath, to: root + "/" + BackupSources.serverKey) else {
                throw BackupError.posix("open", sources.serverKeyPath, ENOENT)
            }
            entries.append(.init(path: BackupSources.serverKey, size: copied.size, sha256: copied.sha256))
        }
        // 3. Blobs of uploaded files of live transfers, as the snapshot lists them. Committed blobs are never written
        // again (a new upload renames a new file into place), so a hard link stays what it was when linked.
        for blob in contents.blobs {
            try checkCancelled()
            let relative = BackupSources.blobs + "/" + blob.trackingId.rawValue + "/" + blob.fileId.rawValue + ".blob"
            let source = sources.blobDirectory + "/" + blob.trackingId.rawValue + "/" + blob.fileId.rawValue + ".blob"
            guard let placed = try place(source, relative, under: root, created: &created) else {
                skipped.insert(blob.trackingId.rawValue)
                continue
            }
            entries.append(placed.entry)
            if placed.linked { linked += 1 }
        }
        // 4. The spool of archive copies the snapshot still has queued (folders are complete once their job exists).
        for trackingId in contents.spoolFolders {
            try checkCancelled()
            let folder = sources.spoolDirectory + "/" + trackingId.rawValue
            guard BackupFiles.exists(folder), let listing = try? BackupFiles.walk(folder) else {
                skippedSpool.insert(trackingId.rawValue)
                continue
            }
            for file in listing.files {
                let relative = BackupSources.spool + "/" + trackingId.rawValue + "/" + file
                guard let placed = try place(folder + "/" + file, relative, under: root, created: &created) else {
                    skippedSpool.insert(trackingId.rawValue)
                    continue
                }
                entries.append(placed.entry)
                if placed.linked { linked += 1 }
            }
        }
        // 5. Mail template overrides: an operator may edit them in place, so they are copied, never linked.
        if BackupFiles.exists(sources.templatesDirectory) {
            for file in try BackupFiles.walk(sources.templatesDirectory).files {
                let relative = BackupSources.templates + "/" + file
                try BackupFiles.makeParents(of: relative, under: root, created: &created)
                guard let copied = try BackupFiles.copy(sources.templatesDirectory + "/" + file, to: root + "/" + relative) else { continue }
                entries.append(.init(path: relative, size: copied.size, sha256: copied.sha256))
            }
        }
        // 6. Directory entries durable, then the manifest, which makes the folder a backup.
        for dir in created.sorted(by: { $0.count > $1.count }) { try BackupFiles.sync(dir, directory: true) }
        let manifest = BackupManifest(createdAt: createdAt, serverVersion: serverVersion, includesServerKey: includeServerKey,
                                      serverKeySHA256: key.sha256, files: entries.sorted { $0.path < $1.path },
                                      skippedTransfers: skipped.sorted(), skippedArchiveCopies: skippedSpool.sorted())
        try BackupFiles.write(try manifest.encoded(), to: root + "/" + BackupManifest.fileName)
        try BackupFiles.sync(root, directory: true)
        return (manifest.files, linked, skipped.count)
    }

    /// Places one immutable file: a hard link, or a streamed copy where links are impossible. Nil when the source
    /// is gone (its transfer ended after the snapshot).
    private func place(_ source: String, _ relative: String, under root: String,
                       created: inout Set<String>) throws -> (entry: BackupManifest.Entry, linked: Bool)? {
        try BackupFiles.makeParents(of: relative, under: root, created: &created)
        let destination = root + "/" + relative
        do {
            try linker.link(source, destination)
            let hashed = try BackupFiles.hash(destination)
            return (.init(path: relative, size: hashed.size, sha256: hashed.sha256), true)
        } catch let failure as BackupLinkFailure where failure.code == ENOENT {
            return nil
        } catch let failure as BackupLinkFailure where failure.copyInstead {
            guard let copied = try BackupFiles.copy(source, to: destination) else { return nil }
            return (.init(path: relative, size: copied.size, sha256: copied.sha256), false)
        } catch let failure as BackupLinkFailure {
            throw BackupError.posix("link", source, failure.code)
        }
    }

    /// A manifest entry for a file already in the backup.
    private func entry(_ relative: String, in root: String) throws -> BackupManifest.Entry {
        let hashed = try BackupFiles.hash(root + "/" + relative)
        return .init(path: relative, size: hashed.size, sha256: hashed.sha256)
    }

    private func checkCancelled() throws {
        if isCancelled() { throw CancellationError() }
    }
}

/// A UTC time split into fields, for backup names.
struct CivilTime {
    let compact: String

    init(_ date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        compact = String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
