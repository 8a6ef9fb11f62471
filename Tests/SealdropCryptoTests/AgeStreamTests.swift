import Crypto
import Foundation
import Testing
import SealdropCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A large plaintext streams through the encryptor to a file in bounded memory, and `age -d` gives it back.
@Suite(.enabled(if: AgeCLI.available)) // Never skipped where CI=true (available is true there).
struct AgeStreamTests {
    /// Stream size: `SEALDROP_AGE_STREAM_BYTES` (268435456 for the throughput figure), default 64 MiB.
    static var streamBytes: Int {
        ProcessInfo.processInfo.environment["SEALDROP_AGE_STREAM_BYTES"].flatMap { Int($0) } ?? 64 << 20
    }

    @Test func largeStreamDecryptsWithAgeInBoundedMemory() throws {
        let total = Self.streamBytes
        let dir = try TemporaryDirectory()
        let identity = try AgeCLI.makeIdentity(in: dir, name: "key")
        let path = dir.file("stream.age")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        let residentBefore = BlobStreamingTests.residentBytes()

        // One 4 MiB pseudo-random block fed in odd slices (boundaries fall everywhere inside chunks); its
        // generation and the file writes are outside the measured time.
        var random = TestBytes(seed: 2027)
        let block = random.bytes(4 << 20)
        let slices = [1, 4_093, 1_048_575, 65_537, 7, 1_000_003, 999_983]
        var encryptor = try AgeEncryptor(recipients: [AgeRecipient(parsing: identity.recipient)])
        var inputHash = SHA256()
        var written = 0
        var encrypting = Duration.zero
        let clock = ContinuousClock()
        try Self.writeAll(fd, encryptor.header(), counting: &written)
        var produced = 0
        var turn = 0
        var offset = 0
        while produced < total {
            let n = min(slices[turn % slices.count], total - produced, block.count - offset)
            turn += 1
            let piece = block[offset..<offset + n]
            offset = (offset + n) % block.count
            inputHash.update(data: piece)
            var sealed: [UInt8] = []
            encrypting += try clock.measure { sealed = try encryptor.update(piece) }
            try Self.writeAll(fd, sealed, counting: &written)
            produced += n
        }
        var last: [UInt8] = []
        encrypting += try clock.measure { last = try encryptor.finish() }
        try Self.writeAll(fd, last, counting: &written)
        #expect(close(fd) == 0)
        #expect(Int64(written) == encryptor.encryptedSize(plaintextSize: Int64(total)))
        let residentAfter = BlobStreamingTests.residentBytes()

        let seconds = Double(encrypting.components.seconds) + Double(encrypting.components.attoseconds) * 1e-18
        print("AgeStreamTests: encrypted \(total >> 20) MiB in \(String(format: "%.2f", seconds)) s = \(String(format: "%.0f", Double(total) / 1_048_576 / seconds)) MiB/s")

        let output = dir.file("stream.out")
        let decrypted = try AgeCLI.run(AgeCLI.age, ["-d", "-i", identity.keyFile, "-o", output, path], in: dir)
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        let reader = try #require(FileHandle(forReadingAtPath: output))
        var outputHash = SHA256()
        var readBack = 0
        while let piece = try reader.read(upToCount: 1 << 20), !piece.isEmpty {
            outputHash.update(data: piece)
            readBack += piece.count
        }
        try reader.close()
        #expect(readBack == total)
        #expect(inputHash.finalize() == outputHash.finalize())
        // O(chunk) whatever the size: the same slack as BlobStreamingTests (other suites run in parallel).
        if let before = residentBefore, let after = residentAfter {
            #expect(after - before < max(Int64(128) << 20, Int64(total) / 6), "resident memory grew by \((after - before) >> 20) MiB")
        }
    }

    /// Writes all of `bytes` to `fd`, retrying short writes, and adds their count to `written`.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], counting written: inout Int) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                try #require(n > 0, "write failed: errno \(errno)")
                done += n
            }
        }
        written += bytes.count
    }
}
