/// What a database snapshot lists for the rest of the backup: the blobs of files that are uploaded or active in
/// live transfers, and the transfers whose archive copy still waits in the spool.
public struct BackupSnapshotContents: Sendable, Equatable {
    /// One committed blob the snapshot refers to.
    public struct Blob: Sendable, Hashable {
        public var trackingId: TrackingID
        public var fileId: FileID

        public init(trackingId: TrackingID, fileId: FileID) {
            self.trackingId = trackingId
            self.fileId = fileId
        }
    }

    public var blobs: [Blob]
    public var spoolFolders: [TrackingID]

    public init(blobs: [Blob], spoolFolders: [TrackingID]) {
        self.blobs = blobs
        self.spoolFolders = spoolFolders
    }
}

/// The database's side of backups (SQLite: `SQLiteBackupSnapshot`, through the online backup API).
///
/// Synchronous on purpose: backups run on a thread of their own, never on the cooperative pool.
public protocol BackupDatabaseSnapshotting: Sendable {
    /// Copies a consistent snapshot of the live database, taken while the server may be writing, into a new single
    /// file at `path` (no WAL beside it), durable when it returns; answers what that snapshot lists.
    func snapshot(to path: String) throws -> BackupSnapshotContents
    /// In a restored database file: ends the transfers whose blobs the backup could not take (they ended while it
    /// ran), so the restored server never offers a file it has no blob for, and marks archive copies whose spool it
    /// could not take as failed (they were confirmed or ended meanwhile; an administrator may retry them).
    func reconcile(endedTransfers: [TrackingID], missingArchiveCopies: [TrackingID], inDatabaseAt path: String) throws
}
