@preconcurrency import Crypto
import Foundation

/// Streams plaintext into an age v1 file (https://c2sp.org/age) that `age -d` opens, with O(chunk) memory.
///
/// Write `header()` first, then everything `update` returns, then what `finish()` returns. A fresh random file key
/// is wrapped for every recipient (X25519 stanza with its own ephemeral share) and forgotten once the header MAC and
/// the payload key are derived. The payload is STREAM: 64 KiB ChaCha20-Poly1305 chunks whose nonce is an 11-byte
/// big-endian counter and a last-chunk flag. A chunk is sealed only once more bytes are known to follow, so the
/// last one always carries the flag: a plaintext of k×64 KiB ends with a full last chunk, an empty one is a single
/// empty last chunk.
public struct AgeEncryptor: Sendable {
    /// Where the stream is: the header must be taken before the payload, nothing follows `finish()`.
    private enum Phase: Sendable {
        case created, streaming, finished
    }

    /// Header ‖ 16-byte payload nonce, computed once in `init`.
    private let headerBytes: [UInt8]
    private let payloadKey: SymmetricKey
    private var buffer: [UInt8] = []
    private var counter: UInt64 = 0
    private var phase = Phase.created

    /// Starts a file for `recipients` (at least one) under a fresh random file key and payload nonce.
    public init(recipients: [AgeRecipient]) throws {
        guard !recipients.isEmpty else { throw AgeError.noRecipients }
        let fileKey = SecureRandom.bytes(AgeFormat.fileKeySize)
        let stanzas = try recipients.map { try $0.stanza(wrapping: fileKey) }
        let nonce = SecureRandom.bytes(AgeFormat.payloadNonceSize)
        headerBytes = AgeHeader.encode(stanzas: stanzas, fileKey: fileKey) + nonce
        payloadKey = AgeFormat.derive(fileKey, salt: nonce, info: AgeFormat.payloadLabel)
        buffer.reserveCapacity(AgeFormat.chunkSize)
    }

    /// The header and payload nonce, to be written before anything else; later calls return the same bytes.
    public mutating func header() -> [UInt8] {
        if phase == .created { phase = .streaming }
        return headerBytes
    }

    /// The size of the whole file (header, nonce, sealed chunks) for `plaintextSize` bytes of plaintext.
    public func encryptedSize(plaintextSize: Int64) -> Int64 {
        Int64(headerBytes.count - AgeFormat.payloadNonceSize) + AgeFormat.payloadSize(plaintextSize: plaintextSize)
    }

    /// Accepts plaintext and returns the chunks it completed (often nothing), holding back up to one chunk.
    ///
    /// Contiguous input (`[UInt8]`, `Data`, slices) is sealed in place; other collections are copied a chunk at a time.
    public mutating func update(_ plaintext: some Collection<UInt8>) throws -> [UInt8] {
        try checkStreaming()
        if let sealed = try plaintext.withContiguousStorageIfAvailable({ try absorb(UnsafeRawBufferPointer($0)) }) {
            return sealed
        }
        var out: [UInt8] = []
        var start = plaintext.startIndex
        while start != plaintext.endIndex {
            let end = plaintext.index(start, offsetBy: AgeFormat.chunkSize, limitedBy: plaintext.endIndex) ?? plaintext.endIndex
            let piece = Array(plaintext[start..<end])
            out += try piece.withUnsafeBytes { try absorb($0) }
            start = end
        }
        return out
    }

    /// Seals the held-back bytes as the last chunk and returns them; the encryptor cannot be used afterwards.
    public mutating func finish() throws -> [UInt8] {
        try checkStreaming()
        phase = .finished
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count + AgeFormat.tagSize)
        let (key, index) = (payloadKey, counter)
        try buffer.withUnsafeBytes { try Self.seal($0, key: key, counter: index, isLast: true, into: &out) }
        buffer = []
        return out
    }

    /// Throws unless the header was taken and the stream is neither finished nor broken.
    private func checkStreaming() throws(AgeError) {
        switch phase {
        case .created: throw .headerNotWritten
        case .streaming: return
        case .finished: throw .alreadyFinished
        }
    }

    /// Buffers `bytes` and seals every chunk that more bytes are now known to follow.
    ///
    /// Whole chunks are sealed straight from `bytes` once the buffer is topped up; the buffer ends with 1…64 KiB.
    private mutating func absorb(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        let chunkSize = AgeFormat.chunkSize
        let sealable = (buffer.count + bytes.count - 1) / chunkSize
        guard !bytes.isEmpty, sealable > 0 else {
            buffer.append(contentsOf: bytes)
            return []
        }
        // A failure below loses chunks already sealed, so the stream is broken until proven otherwise.
        phase = .finished
        var out: [UInt8] = []
        out.reserveCapacity(sealable * (chunkSize + AgeFormat.tagSize))
        var rest = bytes
        if !buffer.isEmpty {
            let take = chunkSize - buffer.count
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            let (key, index) = (payloadKey, counter)
            try buffer.withUnsafeBytes { try Self.seal($0, key: key, counter: index, isLast: false, into: &out) }
            counter += 1
            buffer.removeAll(keepingCapacity: true)
        }
        while rest.count > chunkSize {
            try Self.seal(UnsafeRawBufferPointer(rebasing: rest[..<chunkSize]), key: payloadKey, counter: counter, isLast: false, into: &out)
            counter += 1
            rest = UnsafeRawBufferPointer(rebasing: rest[chunkSize...])
        }
        buffer.append(contentsOf: rest)
        phase = .streaming
        return out
    }

    /// Seals one chunk with ChaCha20-Poly1305 and appends its ciphertext and tag to `out`.
    private static func seal(_ chunk: UnsafeRawBufferPointer, key: SymmetricKey, counter: UInt64, isLast: Bool, into out: inout [UInt8]) throws {
        let nonce = try ChaChaPoly.Nonce(data: AgeFormat.chunkNonce(counter: counter, isLast: isLast))
        let box = try ChaChaPoly.seal(chunk, using: key, nonce: nonce)
        out.append(contentsOf: box.ciphertext)
        out.append(contentsOf: box.tag)
    }
}
