/// Where encrypted file blobs live: a temporary object per upload, renamed into place only when complete.
///
/// Uploads that arrive in chunks over several requests (the web app's) write a *resumable* temporary blob
/// instead, named by its file: it survives a restart, so the upload can continue from the sealed segments
/// it already holds (ciphertext only; see `ChunkedUploads`).
public protocol BlobStore: Sendable {
    /// Starts a new temporary blob for an upload.
    func beginWrite() throws -> any BlobWriteHandle
    /// Starts the resumable temporary blob of one file, replacing (and emptying) an earlier one.
    func beginResumableWrite(trackingId: TrackingID, fileId: FileID) throws -> any BlobWriteHandle
    /// Reopens a file's resumable temporary blob, e.g. after a restart: a reader of what it holds and a
    /// handle that appends after it (cut it back with `truncate` first). Nil when there is none.
    func resumeWrite(trackingId: TrackingID, fileId: FileID) throws -> (reader: any BlobReadHandle, writer: any BlobWriteHandle)?
    /// Every file that has a resumable temporary blob.
    func resumableWrites() throws -> [(trackingId: TrackingID, fileId: FileID)]
    /// Deletes one file's resumable temporary blob (no error when absent).
    func removeResumable(trackingId: TrackingID, fileId: FileID) throws
    /// Opens the committed blob of a file for random-access reads.
    func open(trackingId: TrackingID, fileId: FileID) throws -> any BlobReadHandle
    /// Places the committed blob of a file at `path`, outside the store, for a copy that must outlive the transfer
    /// (the archive spool): a hard link where the storage allows, else a copy; durable when it returns.
    func export(trackingId: TrackingID, fileId: FileID, to path: String) throws
    /// Removes one file's blob and resumable temporary blob (no error when absent).
    func remove(trackingId: TrackingID, fileId: FileID) throws
    /// Removes every blob and resumable temporary blob of a transfer (no error when absent).
    func removeAll(trackingId: TrackingID) throws
    /// Tracking ids that have blobs on storage (names that are no tracking id are not listed).
    func storedTrackingIds() throws -> [TrackingID]
    /// File ids that have a committed blob under a tracking id (empty when it has none).
    func storedFileIds(trackingId: TrackingID) throws -> [FileID]
    /// Deletes leftover temporary blobs (after a crash) and returns how many were removed; resumable ones stay.
    func removeTemporaries() throws -> Int
}

/// A temporary blob being written; invisible until `commit`.
public protocol BlobWriteHandle: AnyObject {
    /// Appends bytes; throws `SealdropError.storageFull` when the disk is full.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Blocking work that writing has made due — waiting until earlier bytes are on disk, then dropping
    /// them from the page cache — for the caller to run off the cooperative threads; nil when none is due.
    /// The job stays valid after the handle is committed, discarded or released; one never taken is folded
    /// into the next, and `commit` makes everything durable either way.
    func takeWriteback() -> (@Sendable () -> Void)?
    /// Cuts the temporary blob back to its first `length` bytes; later writes continue from there.
    func truncate(to length: Int64) throws
    /// Reads `count` bytes at `offset` of what was written (fewer only at the end).
    func readBack(at offset: Int64, count: Int) throws -> [UInt8]
    /// Replaces bytes already written at `offset` (a header or segment sealed again); appending goes on at the end.
    func overwrite(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws
    /// Makes the blob durable and visible under its final name, replacing an earlier one.
    func commit(trackingId: TrackingID, fileId: FileID) throws
    /// Deletes the temporary blob.
    func discard()
    /// Closes the handle without committing: a resumable temporary blob stays for `resumeWrite`, any
    /// other is deleted as by `discard`.
    func release()
}

/// Random access to a committed blob.
public protocol BlobReadHandle: AnyObject, Sendable {
    /// The blob's size in bytes.
    var size: Int64 { get }
    /// Reads exactly `count` bytes at `offset` (fewer only at the end).
    func read(at offset: Int64, count: Int) throws -> [UInt8]
    /// Reads `buffer.count` bytes at `offset` into `buffer` (fewer only at the end) and returns how many.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
}

extension BlobReadHandle {
    /// Through `read(at:count:)`, for handles without a reading primitive of their own.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        let bytes = try read(at: offset, count: buffer.count)
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(buffer.count))) }
        return min(bytes.count, buffer.count)
    }
}
