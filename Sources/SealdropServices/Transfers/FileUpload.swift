import Crypto
import Foundation
import SealdropCore
import SealdropCrypto

/// One upload in progress: hashes and encrypts the bytes into a temporary blob; nothing is visible until `finish`.
///
/// A chunked upload writes a resumable temporary blob and can be continued by `resume` in a later process
/// from the sealed segments on disk: they are read back, authenticated and hashed again, so neither the
/// SHA-256 state nor the unsealed tail (plaintext) ever has to be stored.
public final class FileUpload {
    private let file: FileRecord
    private var encryptor: BlobEncryptor
    private var hasher = SHA256()
    private let handle: any BlobWriteHandle
    /// Where the finished upload is checked and committed (and writebacks run); never the service that started it.
    private let committer: UploadCommitter
    private var received: Int64 = 0
    private var written: Int64 = 0
    private var closed = false
    /// Writeback jobs handed to the file-sync threads (`BlobWriteHandle.takeWriteback`), oldest first.
    private var writebacks: [Task<Void, Never>] = []
    /// Where the bytes are hashed when not in line (`HashLane`); then `hasher` is unused until `finish`.
    private var lane: HashLane?

    /// Uploads at least this large (and not resumable) hash on a `HashLane` when one is free.
    static let laneThreshold: Int64 = 16 << 20

    /// A new upload; with `lanes` it may hash on a `HashLane` (not for resumable uploads, whose checkpoints and
    /// rollbacks need the hash state at hand).
    init(file: FileRecord, encryptor: BlobEncryptor, handle: any BlobWriteHandle, committer: UploadCommitter,
         lanes: HashLane.Slots? = nil) throws {
        self.file = file
        self.encryptor = encryptor
        self.handle = handle
        self.committer = committer
        if let lanes, file.size >= Self.laneThreshold { lane = HashLane.acquire(from: lanes) }
        try encryptor.header.withUnsafeBytes { try handle.write($0) }
        written = Int64(encryptor.header.count)
    }

    /// An upload continued after `received` bytes, whose blob already holds `written` bytes.
    private init(file: FileRecord, encryptor: BlobEncryptor, hasher: SHA256, received: Int64, written: Int64,
                 handle: any BlobWriteHandle, committer: UploadCommitter) {
        self.file = file
        self.encryptor = encryptor
        self.hasher = hasher
        self.handle = handle
        self.committer = committer
        self.received = received
        self.written = written
    }

    /// Continues `file`'s upload from its resumable temporary blob (`reader` shows what it holds, `writer`
    /// appends): every whole non-final segment is decrypted with the file key, which authenticates it, and its
    /// plaintext is hashed again; the blob is cut after the last good one and the upload continues there.
    /// The bytes after it — a segment still unsealed at the crash, or a torn write — are simply sent again.
    ///
    /// The segments kept are sealed again under a fresh nonce prefix (see `resealed`), since the next index was
    /// perhaps already sealed, over bytes the client may now send differently.
    ///
    /// Nil when the blob does not even hold a valid header (the upload then starts at 0).
    static func resume(file: FileRecord, key: SymmetricKey, reader: any BlobReadHandle, writer: any BlobWriteHandle,
                       committer: UploadCommitter) throws -> FileUpload? {
        guard reader.size >= Int64(BlobFormat.headerSize),
              let header = try? BlobHeader(parsing: reader.read(at: 0, count: BlobFormat.headerSize)) else { return nil }
        let old = try BlobEncryptor(key: key, header: header)
        let segment = Int64(header.segmentSize)
        let sealed = segment + Int64(BlobFormat.tagSize)
        // The segment holding the file's last byte is sealed only by `finish`, so at most this many can be on disk.
        let possible = min((reader.size - Int64(BlobFormat.headerSize)) / sealed, file.size > 0 ? (file.size - 1) / segment : 0)
        var hasher = SHA256()
        let (fresh, good) = try resealed(upTo: Int(possible), of: old, handle: writer) { hasher.update(data: $0) }
        let written = Int64(BlobFormat.headerSize) + Int64(good) * sealed
        try writer.truncate(to: written)
        let encryptor = try BlobEncryptor(key: key, header: fresh.blobHeader, resumingAfter: good)
        return FileUpload(file: file, encryptor: encryptor, hasher: hasher, received: Int64(good) * segment, written: written,
                          handle: writer, committer: committer)
    }

    /// Seals the segments on disk again under a fresh nonce prefix, so that no (file key, nonce) pair is ever used
    /// twice (DESIGN §3): an upload that goes back or resumes seals its next indices anew, perhaps over other bytes,
    /// and two GCM ciphertexts under one nonce give away the XOR of their plaintexts and the authentication key.
    ///
    /// Reads up to `limit` segments with `encryptor`'s header, stopping at the first that does not authenticate,
    /// hands each plaintext to `visit`, and writes it back sealed under the new header at the same place. The new
    /// header goes first: a crash in between leaves the old-prefix segments unauthentic under it, so a later
    /// resume cuts the blob there instead of mixing prefixes. Returns the new encryptor and how many segments
    /// were kept. Costs one read, decryption and encryption of what is on disk.
    static func resealed(upTo limit: Int, of encryptor: BlobEncryptor, handle: any BlobWriteHandle,
                         visit: ([UInt8]) -> Void = { _ in }) throws -> (BlobEncryptor, Int) {
        let decryptor = try encryptor.makeDecryptor()
        let fresh = try encryptor.underFreshNoncePrefix()
        try fresh.header.withUnsafeBytes { try handle.overwrite($0, at: 0) }
        let sealedSize = fresh.blobHeader.segmentSize + BlobFormat.tagSize
        var good = 0
        while good < limit {
            let offset = Int64(BlobFormat.headerSize) + Int64(good) * Int64(sealedSize)
            let bytes = try handle.readBack(at: offset, count: sealedSize)
            guard bytes.count == sealedSize, let plain = try? decryptor.open(index: good, isLast: false, sealed: bytes) else { break }
            visit(plain)
            try fresh.sealSegment(plain, index: good).withUnsafeBytes { try handle.overwrite($0, at: offset) }
            good += 1
        }
        return (fresh, good)
    }

    /// Where an upload stands between two writes, to go back to when a chunk breaks off.
    public struct Checkpoint {
        let received: Int64
        let written: Int64
        let encryptor: BlobEncryptor
        let hasher: SHA256
    }

    /// The state after the bytes received so far.
    public func checkpoint() -> Checkpoint {
        // Only resumable uploads use checkpoints, and they never hash on a lane.
        assert(lane == nil, "a checkpoint needs the hash state at hand")
        return Checkpoint(received: received, written: written, encryptor: encryptor, hasher: hasher)
    }

    /// Forgets everything written after `checkpoint`, as if those bytes never arrived.
    ///
    /// The segments before it are sealed again under a fresh nonce prefix (`resealed`): the segments after it were
    /// sealed already, and the bytes sent again for them may differ.
    public func rollback(to checkpoint: Checkpoint) throws {
        guard !closed else { throw SealdropError.malformed("The upload was discarded") }
        try handle.truncate(to: checkpoint.written)
        let kept = checkpoint.encryptor.sealedSegmentCount
        let (fresh, good) = try Self.resealed(upTo: kept, of: checkpoint.encryptor, handle: handle)
        guard good == kept else {
            abort()
            throw SealdropError.malformed("The upload's stored data did not authenticate; the upload was discarded")
        }
        received = checkpoint.received
        written = checkpoint.written
        encryptor = fresh
        hasher = checkpoint.hasher
    }

    /// The registered size of the file.
    public var size: Int64 { file.size }

    // Dropped without `finish` or `abort`: a resumable blob stays for a later `resume`, any other is deleted.
    deinit {
        lane?.release()
        if !closed { handle.release() }
    }

    /// Bytes received so far.
    public var receivedBytes: Int64 { received }

    /// Consumes the next bytes; throws 400/1004 (and discards everything) once more than the registered size arrived.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        received += Int64(bytes.count)
        guard received <= file.size else {
            abort()
            throw SealdropError.malformed("More bytes than the registered size of \(file.size) were sent; the upload was discarded")
        }
        if let lane { lane.update(bytes) } else { hasher.update(bufferPointer: bytes) }
        let before = written
        try encryptor.append(bytes) { sealed in
            try handle.write(sealed)
            written += Int64(sealed.count)
        }
        if written > before, let job = handle.takeWriteback() {
            let runner = committer.fileSync
            writebacks.append(Task { try? await runner.run(job) })
        }
    }

    /// Waits while the disk is more than one writeback window behind this upload; call it after `write`.
    ///
    /// The wait for the disk runs on the file-sync threads while this upload goes on hashing and encrypting;
    /// only an upload faster than its disk stops here, keeping at most two windows of dirty pages.
    /// With a `HashLane` it also waits while too much is queued for the hash.
    public func keepPace() async {
        while writebacks.count > 1 { await writebacks.removeFirst().value }
        await lane?.waitForRoom()
    }

    /// Ends the upload: fewer bytes than registered leave the file unfinished (400/1004); otherwise it is committed.
    public func finish() async throws {
        guard !closed else { throw SealdropError.malformed("The upload was discarded") }
        guard received == file.size else {
            abort()
            throw SealdropError.malformed("Only \(received) of \(file.size) registered bytes were sent; the file stays incomplete")
        }
        let last = try encryptor.finish()
        try last.withUnsafeBytes { try handle.write($0) }
        closed = true
        while !writebacks.isEmpty { await writebacks.removeFirst().value }
        if let lane {
            hasher = await lane.finish()
            self.lane = nil
        }
        let checksum = Hex.encode(hasher.finalize())
        try await committer.complete(file, checksum: checksum, handle: handle)
    }

    /// Discards everything received.
    public func abort() {
        guard !closed else { return }
        closed = true
        lane?.release()
        handle.discard()
    }
}
