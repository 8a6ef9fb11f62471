import Crypto
import Foundation
import Testing
import SealdropCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fast deterministic pseudo-random bytes (xorshift64*), so tests are reproducible and cheap.
struct TestBytes {
    private var state: UInt64

    /// A generator seeded with `seed` (any value; 0 is remapped).
    init(seed: UInt64) {
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    /// The next pseudo-random 64-bit word.
    mutating func nextWord() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Fills `buffer` a word at a time.
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var i = 0
        while i + 8 <= buffer.count {
            buffer.storeBytes(of: nextWord(), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        var tail = nextWord()
        while i < buffer.count {
            buffer[i] = UInt8(truncatingIfNeeded: tail)
            tail >>= 8
            i += 1
        }
    }

    /// `count` pseudo-random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}

/// A temporary directory removed when the value is released.
final class TemporaryDirectory {
    /// The directory's path.
    let path: String

    /// Creates a fresh directory under the system temp dir.
    init() throws {
        path = NSTemporaryDirectory() + "sealdrop-crypto-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the directory.
    func file(_ name: String) -> String { path + "/" + name }
}

/// Whole-blob helpers for tests with small inputs.
enum Blob {
    /// Encrypts `plaintext` in one go (through `append` in `chunk`-sized pieces) into header ‖ segments.
    static func seal(_ plaintext: [UInt8], key: SymmetricKey, segmentSize: Int, chunk: Int = 10_007) throws -> [UInt8] {
        var encryptor = try BlobEncryptor(key: key, segmentSize: segmentSize)
        var blob = encryptor.header
        var offset = 0
        while offset < plaintext.count {
            let end = min(offset + chunk, plaintext.count)
            blob += encryptor.append(plaintext[offset..<end])
            offset = end
        }
        blob += try encryptor.finish()
        return blob
    }

    /// Decrypts `range` of an in-memory blob through `BlobLayout` + `BlobDecryptor`.
    static func open(_ blob: [UInt8], key: SymmetricKey, range: Range<Int64>? = nil) throws -> [UInt8] {
        let layout = try BlobLayout(headerBytes: blob, blobSize: Int64(blob.count))
        let decryptor = try BlobDecryptor(key: key, header: layout.header)
        var out: [UInt8] = []
        for slice in try layout.segments(for: range ?? 0..<layout.plaintextSize) {
            let start = Int(slice.blobOffset)
            let plain = try decryptor.open(
                index: slice.index, isLast: slice.isLast, sealed: blob[start..<start + slice.sealedLength]
            )
            out += plain[slice.keep]
        }
        return out
    }

    /// Decrypts `range` of an in-memory blob through `BlobDecryptor.openSegment` (the streaming path),
    /// whose `fill` copies each segment's sealed bytes; a blob cut short gives the reader fewer bytes.
    static func openSegments(_ blob: [UInt8], key: SymmetricKey, range: Range<Int64>? = nil) throws -> [UInt8] {
        let layout = try BlobLayout(headerBytes: blob, blobSize: Int64(blob.count))
        let decryptor = try BlobDecryptor(key: key, header: layout.header)
        var out: [UInt8] = []
        for slice in try layout.segments(for: range ?? 0..<layout.plaintextSize) {
            let start = Int(slice.blobOffset)
            let available = blob[min(start, blob.count)..<min(start + slice.sealedLength, blob.count)]
            let plain = try decryptor.openSegment(index: slice.index, isLast: slice.isLast, sealedLength: slice.sealedLength) { buffer in
                available.withUnsafeBytes { buffer.copyMemory(from: $0) }
                return available.count
            }
            out += plain[slice.keep]
        }
        return out
    }

    /// Reads `range` of a blob file through `BlobFileReader`.
    static func read(path: String, key: SymmetricKey, range: Range<Int64>? = nil) throws -> [UInt8] {
        let reader = try BlobFileReader(path: path, key: key)
        var chunks = reader.chunks(range: range)
        var out: [UInt8] = []
        while let chunk = try chunks.next() {
            #expect(!chunk.isEmpty)
            out += chunk
        }
        return out
    }

    /// Writes `bytes` to `path`, replacing it.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
