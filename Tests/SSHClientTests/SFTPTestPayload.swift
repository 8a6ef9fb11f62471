import Crypto
import Foundation
import NIOCore

/// A deterministic byte stream for write tests: `total` bytes of a pseudo-random pattern, yielded in buffers whose
/// sizes cycle through `chunkSizes`, sliced from one shared buffer without copying.
///
/// The pattern's period is a prime (1,000,003 bytes), so neither the client's 32 KiB chunks nor the yielded
/// buffers ever line up with it: a chunk written at the wrong offset shows up as different bytes.
struct SFTPTestPayload: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// The pattern's period.
    static let period = 1_000_003
    /// Two periods of the pattern, so any slice up to one period long is contiguous.
    static let pattern: ByteBuffer = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: period)
        for index in bytes.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[index] = UInt8(truncatingIfNeeded: state >> 24)
        }
        return ByteBuffer(bytes: bytes + bytes)
    }()

    /// Bytes in all.
    let total: Int
    /// Sizes of the yielded buffers, cycled; each at most one period (1,000,003 bytes).
    let chunkSizes: [Int]
    /// The stream's first byte is the pattern's byte at this position (to write a file in parts).
    var patternOffset = 0
    /// Called after each buffer is produced with the number of bytes produced so far.
    var onProgress: (@Sendable (Int) async -> Void)?

    /// The iterator.
    struct AsyncIterator: AsyncIteratorProtocol {
        let payload: SFTPTestPayload
        var produced = 0
        var index = 0

        mutating func next() async throws -> ByteBuffer? {
            guard self.produced < self.payload.total else { return nil }
            let size = Swift.min(self.payload.chunkSizes[self.index % self.payload.chunkSizes.count], self.payload.total - self.produced)
            let start = (self.payload.patternOffset + self.produced) % SFTPTestPayload.period
            let slice = SFTPTestPayload.pattern.getSlice(at: start, length: size)!
            self.produced += size
            self.index += 1
            await self.payload.onProgress?(self.produced)
            return slice
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(payload: self) }

    /// The SHA-256 of the first `total` bytes of the stream.
    static func sha256(total: Int) -> SHA256.Digest {
        var hasher = SHA256()
        var offset = 0
        while offset < total {
            let length = Swift.min(period, total - offset)
            pattern.withUnsafeReadableBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
            offset += length
        }
        return hasher.finalize()
    }

    /// Whether the file at `path` is exactly the first `total` bytes of the stream; compares every byte.
    static func fileMatches(_ path: String, total: Int) throws -> Bool {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var offset = 0
        while true {
            let piece = try handle.read(upToCount: period) ?? Data()
            if piece.isEmpty { return offset == total }
            guard offset + piece.count <= total else { return false }
            let equal = piece.withUnsafeBytes { file in
                pattern.withUnsafeReadableBytes { expected in
                    memcmp(file.baseAddress!, expected.baseAddress! + offset % period, piece.count) == 0
                }
            }
            guard equal else { return false }
            offset += piece.count
        }
    }

    /// The SHA-256 of the file at `path`, read in 1 MiB pieces.
    static func sha256(ofFile path: String) throws -> SHA256.Digest {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hasher = SHA256()
        while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty { hasher.update(data: piece) }
        return hasher.finalize()
    }
}
