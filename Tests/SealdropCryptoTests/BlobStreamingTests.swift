import Crypto
import Foundation
import Testing
import SealdropCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A large plaintext streams through encryptor → file → reader in bounded memory.
@Suite struct BlobStreamingTests {
    /// Stream size: `SEALDROP_BLOB_STREAM_BYTES` (e.g. 2147483648 for a release run), default 64 MiB.
    static var streamBytes: Int64 {
        ProcessInfo.processInfo.environment["SEALDROP_BLOB_STREAM_BYTES"].flatMap { Int64($0) } ?? 64 << 20
    }

    @Test func largeStreamRoundTripsWithMatchingSHA256() throws {
        let total = Self.streamBytes
        let residentBefore = Self.residentBytes()
        let key = TransferKey().fileKey(fileId: "stream-file")
        let dir = try TemporaryDirectory()
        let path = dir.file("stream.blob")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try #require(fd >= 0)

        // Odd chunk sizes so segment boundaries fall everywhere inside chunks.
        let chunkSizes = [1, 4_093, 1_048_575, 65_537, 7, 3_000_001, 1_048_577, 999_983]
        var chunk = [UInt8](repeating: 0, count: chunkSizes.max()!)
        var gen = TestBytes(seed: 2026)
        var inputHash = SHA256()
        var encryptor = try BlobEncryptor(key: key)
        var written = Int64(0)
        try writeAll(fd, encryptor.header)
        var produced = Int64(0)
        var turn = 0
        while produced < total {
            let n = Int(min(Int64(chunkSizes[turn % chunkSizes.count]), total - produced))
            turn += 1
            try chunk.withUnsafeMutableBytes { raw in
                let piece = UnsafeMutableRawBufferPointer(rebasing: raw[..<n])
                gen.fill(piece)
                inputHash.update(bufferPointer: UnsafeRawBufferPointer(piece))
                let sealed = encryptor.append(UnsafeRawBufferPointer(piece))
                written += Int64(sealed.count)
                try writeAll(fd, sealed)
            }
            produced += Int64(n)
        }
        let last = try encryptor.finish()
        written += Int64(last.count)
        try writeAll(fd, last)
        #expect(close(fd) == 0)
        #expect(written + 16 == BlobLayout.blobSize(forPlaintextSize: total, segmentSize: BlobFormat.defaultSegmentSize))

        let reader = try BlobFileReader(path: path, key: key)
        #expect(reader.plaintextSize == total)
        var outputHash = SHA256()
        var readBack = Int64(0)
        var chunks = reader.chunks()
        while let piece = try chunks.next() {
            #expect(piece.count <= BlobFormat.defaultSegmentSize)
            outputHash.update(data: piece)
            readBack += Int64(piece.count)
        }
        #expect(readBack == total)
        #expect(inputHash.finalize() == outputHash.finalize())
        // Streaming holds O(segment) whatever the size: resident memory must not grow with the stream.
        // The measure is the whole test process, where ~50 other suites run in parallel (uploads, browser-less
        // page tests, scrypt): the slack is 128 MiB or a sixth of the stream, whichever is larger — a copy of
        // the stream (3 GiB in scripts/test) would still be six times over it.
        let slack = max(Int64(128) << 20, total / 6)
        if let before = residentBefore, let after = Self.residentBytes() {
            #expect(Int64(after - before) < slack, "resident memory grew by \((after - before) >> 20) MiB for a \(total >> 20) MiB stream")
        }
    }

    /// The process's resident set size from `/proc/self/status` (nil where there is no procfs).
    static func residentBytes() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int64(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return nil }
        return kib * 1024
    }

    /// Writes all of `bytes` to `fd`, retrying short writes.
    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                try #require(n > 0, "write failed: errno \(errno)")
                done += n
            }
        }
    }
}
