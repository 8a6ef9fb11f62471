import Foundation
import SealdropCore
import Synchronization

/// Uploads that arrive as a series of chunks over several requests — the web app's resumable uploads.
///
/// Each file in progress keeps one `FileUpload` (hashing and encrypting into its temporary blob) between
/// requests. A chunk starts at a checkpoint; if its request breaks off, the upload goes back to that
/// checkpoint, so the client resends from the last acknowledged offset and no byte is counted twice. A
/// file is committed when its last byte arrives and never visible before. Idle uploads are discarded.
///
/// **Held uploads are keyed by (tracking id, file id), and every entry point authorizes before it touches
/// one**: the caller must own the open session and the file must belong to it. Keyed by file id alone, a
/// verified sender could name another sender's in-progress file with its own tracking id and write into it,
/// read its progress or cancel it.
///
/// **Across a restart the upload continues from disk** (decided over "start again at 0"): the temporary
/// blob is resumable (`BlobStore.beginResumableWrite`, kept by the start-up recovery while its session is
/// open and the file not uploaded), and the first `progress` or chunk after the restart rebuilds the upload
/// from it (`FileUpload.resume`). That is safe because nothing secret has to be checkpointed:
/// - the file key is derived again from the transfer key, which stays sealed for the creator's verification
///   token in the database (the request that continues the upload carries it); nothing key-related is
///   written next to the blob;
/// - the blob holds only the header and sealed segments (ciphertext), exactly what a committed blob holds;
///   the unsealed tail (up to one segment of plaintext) lives only in memory and is simply lost, so the
///   offset reported after a restart is the end of the last whole segment on disk (1 MiB by default): at
///   most one segment before the last acknowledged offset, or past it when the crash cut a chunk off
///   (that chunk's sealed segments are authentic bytes of the file at their offsets, so they are kept);
/// - the SHA-256 state cannot be exported (swift-crypto has no API for it) and need not be: the sealed
///   segments are decrypted — which also authenticates them, so a torn or tampered tail is cut off — and
///   hashed again. That costs one read of the uploaded part per file and restart.
/// The next segment index may have been sealed already (a segment cut off by the crash, or by a broken chunk),
/// and the client may send other bytes for it; so both a resume and a rollback seal the kept segments again
/// under a fresh nonce prefix first (`FileUpload.resealed`), and no (file key, nonce) pair is used twice.
public final class ChunkedUploads: Sendable {
    /// Where a file stands.
    public struct Progress: Sendable, Equatable {
        public var received: Int64
        public var size: Int64
        public var complete: Bool
    }

    /// A chunk was not at the expected offset (or another chunk of the file is in flight).
    public struct OffsetMismatch: Error, Sendable {
        public var received: Int64
    }

    /// Which upload an entry holds: a file id is only meaningful within its session.
    private struct Key: Hashable {
        var trackingId: TrackingID
        var fileId: FileID
    }

    /// A file's upload held between requests; `upload` is nil only while it is being started or restored
    /// (the entry is `busy` then, so no other request touches the file's temporary blob meanwhile).
    private final class Entry: @unchecked Sendable {
        var upload: FileUpload?
        var busy = true
        var lastUsed: Date
        init(now: Date) {
            self.lastUsed = now
        }
        var received: Int64 { upload?.receivedBytes ?? 0 }
    }

    private let uploads: UploadService
    private let entries = Mutex<[Key: Entry]>([:])
    private let idleLimit: TimeInterval
    private let now: @Sendable () -> Date

    public init(uploads: UploadService, idleLimit: TimeInterval = 3600, now: @escaping @Sendable () -> Date = Date.init) {
        self.uploads = uploads
        self.idleLimit = idleLimit
        self.now = now
    }

    /// Uploads currently held between chunks.
    public var inProgress: Int { entries.withLock { $0.count } }

    /// The file's progress as the client should resume it.
    public func progress(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender) async throws -> Progress {
        try await progress(of: authorizedFile(trackingId, fileId: fileId, by: sender), by: sender)
    }

    /// The progress of a file record the caller already read (and checked the sender for). An upload not
    /// held in memory (after a restart) is restored from its temporary blob first, so the offset is where
    /// the client can continue.
    public func progress(of file: FileRecord, by sender: VerifiedSender) async throws -> Progress {
        if file.state == .uploaded { return Progress(received: file.size, size: file.size, complete: true) }
        let key = Key(trackingId: file.trackingId, fileId: file.fileId)
        let date = now()
        let reserved: Entry? = entries.withLock { map in
            if map[key] != nil { return nil }
            let entry = Entry(now: date)
            map[key] = entry
            return entry
        }
        guard let reserved else {
            return Progress(received: entries.withLock { $0[key]?.received } ?? 0, size: file.size, complete: false)
        }
        let upload: FileUpload?
        do {
            upload = try await uploads.resumeUpload(file.trackingId, fileId: file.fileId, by: sender)
        } catch {
            drop(key, reserved)
            throw error
        }
        guard let upload else {
            drop(key, reserved)
            return Progress(received: 0, size: file.size, complete: false)
        }
        release(reserved, upload: upload)
        return Progress(received: upload.receivedBytes, size: file.size, complete: false)
    }

    /// Receives one chunk at `offset`: `body` writes its bytes to the upload. Returns the new progress;
    /// throws `OffsetMismatch` (with the offset to resume at) when `offset` is not where the file stands.
    public func receive(
        _ trackingId: TrackingID, fileId: FileID, offset: Int64, by sender: VerifiedSender,
        body: (FileUpload) async throws -> Void
    ) async throws -> Progress {
        _ = try await authorizedFile(trackingId, fileId: fileId, by: sender)
        discardIdle()
        let key = Key(trackingId: trackingId, fileId: fileId)
        let (entry, upload) = try await claim(key, offset: offset, by: sender)
        let mark = upload.checkpoint()
        do {
            try await body(upload)
        } catch {
            // The chunk broke off (or was too long): back to where it started, unless the upload is gone.
            if (try? upload.rollback(to: mark)) == nil { drop(key, entry) } else { release(entry) }
            throw error
        }
        guard upload.receivedBytes == upload.size else {
            release(entry)
            return Progress(received: upload.receivedBytes, size: upload.size, complete: false)
        }
        drop(key, entry)
        try await upload.finish()
        return Progress(received: upload.size, size: upload.size, complete: true)
    }

    /// Stops a file's upload and forgets what arrived, once the caller is known to own the file's open session
    /// (404 for a file of another session, 401/3002 or 404 for another sender's session).
    public func cancel(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender) async throws {
        _ = try await authorizedFile(trackingId, fileId: fileId, by: sender)
        let key = Key(trackingId: trackingId, fileId: fileId)
        if let entry = entries.withLock({ $0.removeValue(forKey: key) }) { entry.upload?.abort() }
    }

    /// The file's record if `sender` owns the open session and the file belongs to it; every entry point
    /// calls this before it touches an entry.
    private func authorizedFile(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender) async throws -> FileRecord {
        try await uploads.file(trackingId, fileId: fileId, by: sender)
    }

    /// The file's entry, marked busy, with its upload at `offset`: held in memory, restored from disk after
    /// a restart, or (at offset 0 only) started afresh. The caller has authorized the sender for `key`.
    private func claim(_ key: Key, offset: Int64, by sender: VerifiedSender) async throws -> (Entry, FileUpload) {
        let date = now()
        let (entry, held): (Entry, FileUpload?) = try entries.withLock { map in
            if let entry = map[key] {
                guard !entry.busy, let upload = entry.upload, upload.receivedBytes == offset else { throw OffsetMismatch(received: entry.received) }
                entry.busy = true
                entry.lastUsed = date
                return (entry, upload)
            }
            let entry = Entry(now: date)
            map[key] = entry
            return (entry, nil)
        }
        if let held { return (entry, held) }
        let upload: FileUpload?
        do {
            upload = offset == 0
                ? try await uploads.beginUpload(key.trackingId, fileId: key.fileId, by: sender, resumable: true)
                : try await uploads.resumeUpload(key.trackingId, fileId: key.fileId, by: sender)
        } catch {
            drop(key, entry)
            throw error
        }
        guard let upload else {
            drop(key, entry)
            throw OffsetMismatch(received: 0)
        }
        guard upload.receivedBytes == offset else {
            release(entry, upload: upload)
            throw OffsetMismatch(received: upload.receivedBytes)
        }
        entries.withLock { _ in entry.upload = upload }
        return (entry, upload)
    }

    /// Makes the entry available to the next request (with its upload, once started or restored).
    private func release(_ entry: Entry, upload: FileUpload? = nil) {
        entries.withLock { _ in
            if let upload { entry.upload = upload }
            entry.busy = false
            entry.lastUsed = now()
        }
    }

    /// Forgets the file's entry if it is still this one; its upload (if any) is not aborted.
    private func drop(_ key: Key, _ entry: Entry) {
        entries.withLock { map in
            if map[key] === entry { map.removeValue(forKey: key) }
        }
    }

    private func discardIdle() {
        let cutoff = now().addingTimeInterval(-idleLimit)
        let stale = entries.withLock { map -> [Entry] in
            let old = map.filter { !$0.value.busy && $0.value.lastUsed < cutoff }
            for key in old.keys { map.removeValue(forKey: key) }
            return Array(old.values)
        }
        for entry in stale { entry.upload?.abort() }
    }
}
