@preconcurrency import Crypto
import Foundation

/// Streams plaintext into the sealed blob format with O(segment) memory.
///
/// Feed bytes with `append`, write what it returns, then write what `finish()` returns. A segment is
/// sealed as non-final only once more bytes are known to follow, so the final segment always carries
/// the last-flag (a file of k×segmentSize bytes ends with a full final segment; an empty file has one
/// empty final segment).
public struct BlobEncryptor: Sendable {
    /// The parsed header of the blob being written.
    public private(set) var blobHeader: BlobHeader
    /// The 16 header bytes; write them before anything `append` returns.
    public var header: [UInt8] { blobHeader.bytes }
    /// Plaintext bytes accepted so far.
    public private(set) var plaintextCount: Int64 = 0

    private let key: SymmetricKey
    private var buffer: [UInt8]
    private var nextIndex = 0
    private var finished = false
    private var deferredError: BlobError?

    /// Starts a blob under `key` (256-bit) with a fresh random nonce prefix.
    public init(key: SymmetricKey, segmentSize: Int = BlobFormat.defaultSegmentSize) throws {
        try self.init(key: key, header: BlobHeader(
            segmentSize: segmentSize,
            noncePrefix: SecureRandom.bytes(BlobFormat.noncePrefixSize)
        ))
    }

    /// Starts a blob with an explicit header; the nonce prefix must never be reused under one key.
    public init(key: SymmetricKey, header: BlobHeader) throws {
        guard key.bitCount == 256 else { throw CryptoKitError.incorrectKeySize }
        self.key = key
        self.blobHeader = header
        self.buffer = []
        self.buffer.reserveCapacity(header.segmentSize)
    }

    /// Continues a blob of which `segments` full, non-final segments were written earlier (a resumed upload).
    ///
    /// The caller must have read those segments back and checked them with `BlobDecryptor`, and must have cut
    /// the blob after them: the next segment is sealed with index `segments` under the same nonce prefix.
    /// Nothing but the header and the sealed segments is needed, so no plaintext or key state is kept on disk.
    public init(key: SymmetricKey, header: BlobHeader, resumingAfter segments: Int) throws {
        guard segments >= 0, segments <= Int(UInt32.max) else { throw BlobError.tooLarge }
        try self.init(key: key, header: header)
        self.nextIndex = segments
        self.plaintextCount = Int64(segments) * Int64(header.segmentSize)
    }

    /// How many segments have been sealed so far (the index the next one gets).
    public var sealedSegmentCount: Int { nextIndex }

    /// The same stream under a fresh random nonce prefix: buffered plaintext and the next index are kept.
    ///
    /// For an upload that goes back (a chunk broke off) or continues after a restart: the indices after the
    /// segments on disk will be sealed again, perhaps over other bytes, so they must not be sealed under the old
    /// prefix. The caller seals the segments on disk again under the new header (`sealSegment`) and writes it.
    public func underFreshNoncePrefix() throws -> BlobEncryptor {
        var copy = self
        copy.blobHeader = try BlobHeader(segmentSize: blobHeader.segmentSize, noncePrefix: SecureRandom.bytes(BlobFormat.noncePrefixSize))
        return copy
    }

    /// A decryptor for the blob this encryptor writes (same key and header), to read back its sealed segments.
    public func makeDecryptor() throws -> BlobDecryptor {
        try BlobDecryptor(key: key, header: blobHeader)
    }

    /// Seals segment `index` (not the final one) of the blob with `header` — a segment read back from disk and
    /// sealed again under a fresh nonce prefix.
    public static func sealSegment(_ plaintext: [UInt8], index: Int, key: SymmetricKey, header: BlobHeader) throws -> [UInt8] {
        guard index >= 0, index <= Int(UInt32.max) else { throw BlobError.tooLarge }
        let nonce = BlobFormat.nonce(prefix: header.noncePrefix, index: index, isLast: false)
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: header.bytes)
        return Array(box.ciphertext) + Array(box.tag)
    }

    /// Like `sealSegment(_:index:key:header:)`, with this encryptor's key and header.
    public func sealSegment(_ plaintext: [UInt8], index: Int) throws -> [UInt8] {
        try Self.sealSegment(plaintext, index: index, key: key, header: blobHeader)
    }

    /// Accepts plaintext and returns the sealed bytes that are now final (often empty).
    ///
    /// Zero-copy for whole segments: when nothing is buffered, full segments are sealed straight
    /// from `bytes`. Errors (impossible with a valid key, or more than 2^32 segments) are deferred
    /// and thrown by `finish()`, so a failed stream can never be completed.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        append(bytes, into: &out)
        return out
    }

    /// Like `append(_:)`, but appends the sealed bytes to `out`, so a caller can reuse one buffer
    /// (`removeAll(keepingCapacity: true)` between calls) and avoid an allocation per call.
    public mutating func append(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let rollback = out.count
        let failedBefore = deferredError != nil
        if buffer.count + bytes.count > blobHeader.segmentSize {
            out.reserveCapacity(out.count + buffer.count + bytes.count + (bytes.count / blobHeader.segmentSize + 1) * BlobFormat.tagSize)
        }
        seal(bytes) { out.append(contentsOf: $0.asBytes) }
        if !failedBefore, deferredError != nil { out.removeSubrange(rollback...) }
    }

    /// Like `append(_:)`, but hands every segment to `sink` the moment it is sealed — its ciphertext, then its
    /// tag — instead of collecting them: the sealed bytes are not copied. Sealing errors are deferred to
    /// `finish()` as with `append`; an error thrown by `sink` is rethrown, and the blob is then broken.
    public mutating func append(_ bytes: UnsafeRawBufferPointer, sealingTo sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var failure: (any Error)?
        seal(bytes) { part in
            guard failure == nil else { return }
            do { try sink(part) } catch { failure = error }
        }
        if let failure {
            deferredError = deferredError ?? .incomplete
            throw failure
        }
    }

    /// Buffers `bytes` and seals every segment that more bytes are now known to follow, handing its parts to `emit`.
    ///
    /// Zero-copy for whole segments: when nothing is buffered, full segments are sealed straight from `bytes`.
    private mutating func seal(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        guard !finished, deferredError == nil, !bytes.isEmpty else {
            if finished { deferredError = deferredError ?? .alreadyFinished }
            return
        }
        let segmentSize = blobHeader.segmentSize
        let total = buffer.count + bytes.count
        // Segments that can be sealed now: all but the one holding the last known byte.
        let sealable = (total - 1) / segmentSize
        plaintextCount += Int64(bytes.count)
        guard sealable > 0 else {
            buffer.append(contentsOf: bytes.asBytes)
            return
        }
        var rest = bytes
        do {
            if !buffer.isEmpty {
                let take = segmentSize - buffer.count
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]).asBytes)
                rest = UnsafeRawBufferPointer(rebasing: rest[take...])
                try buffer.withUnsafeBytes { try seal($0, isLast: false, emit: emit) }
                buffer.removeAll(keepingCapacity: true)
            }
            while rest.count > segmentSize {
                try seal(UnsafeRawBufferPointer(rebasing: rest[..<segmentSize]), isLast: false, emit: emit)
                rest = UnsafeRawBufferPointer(rebasing: rest[segmentSize...])
            }
        } catch {
            deferredError = (error as? BlobError) ?? .tooLarge
            return
        }
        buffer.append(contentsOf: rest.asBytes)
    }

    /// Accepts plaintext from any byte collection (`[UInt8]`, `Data`, slices); see `append(_:)`.
    public mutating func append<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let out = bytes.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) {
            return out
        }
        return Array(bytes).withUnsafeBytes { append($0) }
    }

    /// Seals the final segment and returns its bytes; the encryptor cannot be used afterwards.
    public mutating func finish() throws -> [UInt8] {
        if let deferredError { throw deferredError }
        guard !finished else { throw BlobError.alreadyFinished }
        finished = true
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count + BlobFormat.tagSize)
        try buffer.withUnsafeBytes { try seal($0, isLast: true) { out.append(contentsOf: $0.asBytes) } }
        buffer = []
        return out
    }

    /// Seals one segment and hands its ciphertext, then its tag, to `emit`.
    private mutating func seal(_ plaintext: UnsafeRawBufferPointer, isLast: Bool, emit: (UnsafeRawBufferPointer) -> Void) throws {
        guard nextIndex <= Int(UInt32.max) else { throw BlobError.tooLarge }
        let nonce = BlobFormat.nonce(prefix: blobHeader.noncePrefix, index: nextIndex, isLast: isLast)
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: blobHeader.bytes)
        box.ciphertext.withUnsafeBytes { emit($0) }
        box.tag.withUnsafeBytes { emit($0) }
        nextIndex += 1
    }
}
