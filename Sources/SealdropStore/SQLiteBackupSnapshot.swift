#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import SealdropCore

/// Backups of the SQLite database through SQLite's online backup API (`sqlite3_backup_*`, GRDB's `backup(to:)`).
///
/// The copy runs inside one read transaction of a WAL-mode connection, so it is the database as of one instant while
/// the server (this process or another) keeps writing; nothing is locked against writers. Opens its own connection,
/// so it serves the command line (server running or stopped) and the scheduled task alike.
public struct SQLiteBackupSnapshot: BackupDatabaseSnapshotting {
    /// The live database file.
    public let sourcePath: String

    public init(sourcePath: String) {
        self.sourcePath = sourcePath
    }

    public func snapshot(to path: String) throws -> BackupSnapshotContents {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let source = try DatabasePool(path: sourcePath, configuration: configuration)
        defer { try? source.close() }
        try SealdropDatabase.restrictToOwner(path)
        let destination = try DatabaseQueue(path: path)
        try source.backup(to: destination)
        // One self-contained file: the copied header says WAL; rollback mode folds it back (the server switches again).
        try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        let contents = try destination.read { db in
            let blobs = try Row.fetchAll(db, sql: """
                SELECT f.tracking_id, f.file_id FROM files f JOIN transfers t ON t.tracking_id = f.tracking_id
                WHERE f.state IN ('UPLOADED', 'ACTIVE') AND t.state IN ('OPEN', 'PROCESSING', 'ACTIVE')
                ORDER BY f.tracking_id, f.position
                """).compactMap { row -> BackupSnapshotContents.Blob? in
                guard let t = TrackingID(rawValue: row[0]), let f = FileID(rawValue: row[1]) else { return nil }
                return BackupSnapshotContents.Blob(trackingId: t, fileId: f)
            }
            let spool = try String.fetchAll(db, sql: "SELECT tracking_id FROM archive_jobs WHERE state IN ('pending', 'failed') ORDER BY tracking_id")
                .compactMap(TrackingID.init(rawValue:))
            return BackupSnapshotContents(blobs: blobs, spoolFolders: spool)
        }
        try destination.close()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io(operation: "open", path: path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw BackupError.io(operation: "fsync", path: path, code: errno) }
        return contents
    }

    public func reconcile(endedTransfers: [TrackingID], missingArchiveCopies: [TrackingID], inDatabaseAt path: String) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let now = Date().timeIntervalSince1970
        try queue.write { db in
            for trackingId in endedTransfers {
                try db.execute(sql: """
                    UPDATE transfers SET state = 'DELETED_BY_ADMIN', updated_at = ?, session_sealed_key = NULL, wrapped_key = NULL,
                        sealed_password = NULL
                    WHERE tracking_id = ? AND state IN ('OPEN', 'PROCESSING', 'ACTIVE')
                    """, arguments: [now, trackingId.rawValue])
                try db.execute(sql: "UPDATE files SET state = 'REMOVED' WHERE tracking_id = ?", arguments: [trackingId.rawValue])
            }
            for trackingId in missingArchiveCopies {
                try db.execute(sql: """
                    UPDATE archive_jobs SET state = 'failed', last_error = ?
                    WHERE tracking_id = ? AND state IN ('pending', 'failed')
                    """, arguments: [Self.missingSpool, trackingId.rawValue])
            }
        }
    }

    /// The archive queue's error for a copy whose spool the backup could not take.
    static let missingSpool = "Its spool was not in the backup: the copy was confirmed or ended while the backup ran."
}
