import Foundation
import SealdropCore
import Synchronization

/// Uploads that arrive as a series of chunks over several requests — the web app's resumable uploads.
///
/// Each file in progress keeps one `FileUpload` (hashing and encrypting into its temporary blob) between
/// requests. A chunk starts at a checkpoint; if its request breaks off, the upload goes back to that
/// checkpoint, so the client resends from the last acknowledged offset and no byte is counted twice. A
/// file is committed when its last byte arrives and never visible before. State is in memory: after a
/// restart (which removes temporary blobs) a file starts again from 0. Idle uploads are discarded.
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

    private final class Entry: @unchecked Sendable {
        let upload: FileUpload
        var busy = false
        var lastUsed: Date
        init(upload: FileUpload, now: Date) {
            self.upload = upload
            self.lastUsed = now
        }
    }

    private let transfers: TransferService
    private let entries = Mutex<[FileID: Entry]>([:])
    private let idleLimit: TimeInterval
    private let now: @Sendable () -> Date

    public init(transfers: TransferService, idleLimit: TimeInterval = 3600, now: @escaping @Sendable () -> Date = Date.init) {
        self.transfers = transfers
        self.idleLimit = idleLimit
        self.now = now
    }

    /// Uploads currently held between chunks.
    public var inProgress: Int { entries.withLock { $0.count } }

    /// The file's progress as the client should resume it.
    public func progress(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender) async throws -> Progress {
        let view = try await transfers.session(trackingId, by: sender)
        guard let file = view.files.first(where: { $0.fileId == fileId }) else { throw SealdropError.notFound("The file") }
        return progress(of: file)
    }

    /// The progress of a file record the caller already read (and checked the sender for).
    public func progress(of file: FileRecord) -> Progress {
        if file.state == .uploaded { return Progress(received: file.size, size: file.size, complete: true) }
        let received = entries.withLock { $0[file.fileId]?.upload.receivedBytes } ?? 0
        return Progress(received: received, size: file.size, complete: false)
    }

    /// Receives one chunk at `offset`: `body` writes its bytes to the upload. Returns the new progress;
    /// throws `OffsetMismatch` (with the offset to resume at) when `offset` is not where the file stands.
    public func receive(
        _ trackingId: TrackingID, fileId: FileID, offset: Int64, by sender: VerifiedSender,
        body: (FileUpload) async throws -> Void
    ) async throws -> Progress {
        discardIdle()
        let entry = try await claim(trackingId, fileId: fileId, offset: offset, by: sender)
        let mark = entry.upload.checkpoint()
        do {
            try await body(entry.upload)
        } catch {
            // The chunk broke off (or was too long): back to where it started, unless the upload is gone.
            if (try? entry.upload.rollback(to: mark)) == nil { remove(fileId) } else { release(fileId, entry) }
            throw error
        }
        let upload = entry.upload
        guard upload.receivedBytes == upload.size else {
            release(fileId, entry)
            return Progress(received: upload.receivedBytes, size: upload.size, complete: false)
        }
        remove(fileId)
        try await upload.finish()
        return Progress(received: upload.size, size: upload.size, complete: true)
    }

    /// Stops a file's upload and forgets what arrived.
    public func cancel(_ fileId: FileID) {
        if let entry = entries.withLock({ $0.removeValue(forKey: fileId) }) { entry.upload.abort() }
    }

    private func claim(_ trackingId: TrackingID, fileId: FileID, offset: Int64, by sender: VerifiedSender) async throws -> Entry {
        let date = now()
        let claimed: Entry?? = try entries.withLock { map in
            guard let entry = map[fileId] else { return .some(nil) }
            guard !entry.busy, entry.upload.receivedBytes == offset else { throw OffsetMismatch(received: entry.upload.receivedBytes) }
            entry.busy = true
            entry.lastUsed = date
            return .some(entry)
        }
        if let existing = claimed ?? nil {
            // The sender must still own the session (and it must still be open).
            do {
                _ = try await transfers.session(trackingId, by: sender)
            } catch {
                release(fileId, existing)
                throw error
            }
            return existing
        }
        guard offset == 0 else { throw OffsetMismatch(received: 0) }
        let upload = try await transfers.beginUpload(trackingId, fileId: fileId, by: sender)
        let entry = Entry(upload: upload, now: date)
        entry.busy = true
        try entries.withLock { map in
            if map[fileId] != nil { throw OffsetMismatch(received: map[fileId]!.upload.receivedBytes) }
            map[fileId] = entry
        }
        return entry
    }

    private func release(_ fileId: FileID, _ entry: Entry) {
        entries.withLock { _ in
            entry.busy = false
            entry.lastUsed = now()
        }
    }

    private func remove(_ fileId: FileID) {
        _ = entries.withLock { $0.removeValue(forKey: fileId) }
    }

    private func discardIdle() {
        let cutoff = now().addingTimeInterval(-idleLimit)
        let stale = entries.withLock { map -> [Entry] in
            let old = map.filter { !$0.value.busy && $0.value.lastUsed < cutoff }
            for key in old.keys { map.removeValue(forKey: key) }
            return Array(old.values)
        }
        for entry in stale { entry.upload.abort() }
    }
}
