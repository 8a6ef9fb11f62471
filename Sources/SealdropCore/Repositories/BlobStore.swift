/// Where encrypted file blobs live: a temporary object per upload, renamed into place only when complete.
public protocol BlobStore: Sendable {
    /// Starts a new temporary blob for an upload.
    func beginWrite() throws -> any BlobWriteHandle
    /// Opens the committed blob of a file for random-access reads.
    func open(trackingId: String, fileId: String) throws -> any BlobReadHandle
    /// Removes one file's blob (no error when absent).
    func remove(trackingId: String, fileId: String) throws
    /// Removes every blob of a transfer (no error when absent).
    func removeAll(trackingId: String) throws
    /// Tracking ids that have blobs on storage.
    func storedTrackingIds() throws -> [String]
    /// File ids that have a committed blob under a tracking id (empty when it has none).
    func storedFileIds(trackingId: String) throws -> [String]
    /// Deletes leftover temporary blobs (after a crash) and returns how many were removed.
    func removeTemporaries() throws -> Int
}

/// A temporary blob being written; invisible until `commit`.
public protocol BlobWriteHandle: AnyObject {
    /// Appends bytes; throws `SealdropError.storageFull` when the disk is full.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Cuts the temporary blob back to its first `length` bytes; later writes continue from there.
    func truncate(to length: Int64) throws
    /// Makes the blob durable and visible under its final name, replacing an earlier one.
    func commit(trackingId: String, fileId: String) throws
    /// Deletes the temporary blob.
    func discard()
}

/// Random access to a committed blob.
public protocol BlobReadHandle: AnyObject, Sendable {
    /// The blob's size in bytes.
    var size: Int64 { get }
    /// Reads exactly `count` bytes at `offset` (fewer only at the end).
    func read(at offset: Int64, count: Int) throws -> [UInt8]
}
