import Crypto
import Testing
import SealdropCrypto

/// Any plaintext range decrypts to exactly the matching slice, in memory and from a file.
@Suite struct BlobRandomAccessTests {
    @Test(arguments: [0, 1, 65_536, 5 * 65_536, 5 * 65_536 + 4_321])
    func rangesMatchPlaintextSlices(size: Int) throws {
        let segment = BlobFormat.minimumSegmentSize
        let key = SymmetricKey(size: .bits256)
        let plaintext = TestBytes(seed: UInt64(size) + 9).bytesArray(size)
        let blob = try Blob.seal(plaintext, key: key, segmentSize: segment)
        let dir = try TemporaryDirectory()
        let path = dir.file("blob")
        try Blob.write(blob, to: path)
        let n = Int64(size)

        var ranges: [Range<Int64>] = [0..<0, 0..<n, n..<n]
        if size > 0 {
            ranges += [0..<1, (n - 1)..<n, (n / 2)..<(n / 2)]
        }
        for boundary in stride(from: Int64(segment), to: n, by: segment) {
            ranges += [(boundary - 1)..<(boundary + 1), (boundary - 1)..<boundary, boundary..<min(n, boundary + 1),
                       max(0, boundary - 1000)..<min(n, boundary + Int64(segment) + 1000)]
        }
        var gen = TestBytes(seed: 77)
        for _ in 0..<60 where size > 0 {
            let a = Int64(gen.nextWord() % UInt64(n + 1))
            let b = Int64(gen.nextWord() % UInt64(n + 1))
            ranges.append(min(a, b)..<max(a, b))
        }

        let reader = try BlobFileReader(path: path, key: key)
        for range in ranges {
            let expected = Array(plaintext[Int(range.lowerBound)..<Int(range.upperBound)])
            #expect(try Blob.open(blob, key: key, range: range) == expected, "memory \(range)")
            var chunks = reader.chunks(range: range)
            var got: [UInt8] = []
            var pieces = 0
            while let chunk = try chunks.next() {
                got += chunk
                pieces += 1
            }
            #expect(got == expected, "file \(range)")
            #expect(pieces == (try reader.layout.segmentIndices(for: range).count))
            #expect(try chunks.next() == nil)
        }
    }

    @Test func outOfBoundsRangesAreRejected() throws {
        let key = SymmetricKey(size: .bits256)
        let blob = try Blob.seal(TestBytes(seed: 5).bytesArray(1000), key: key, segmentSize: 65_536)
        let dir = try TemporaryDirectory()
        let path = dir.file("blob")
        try Blob.write(blob, to: path)
        let reader = try BlobFileReader(path: path, key: key)
        for range: Range<Int64> in [0..<1001, 1000..<1001, -1..<5] {
            var chunks = reader.chunks(range: range)
            #expect(throws: BlobError.invalidRange) { try chunks.next() }
            #expect(throws: BlobError.invalidRange) { try reader.layout.segments(for: range) }
        }
    }

    @Test func layoutArithmetic() throws {
        let header = try BlobHeader(segmentSize: 65_536, noncePrefix: [UInt8](repeating: 0, count: 7))
        let size = BlobLayout.blobSize(forPlaintextSize: 3 * 65_536 + 17, segmentSize: 65_536)
        #expect(size == 16 + 3 * 65_552 + 33)
        let layout = try BlobLayout(header: header, blobSize: size)
        #expect(layout.segmentCount == 4)
        let slices = try layout.segments(for: 65_530..<(2 * 65_536 + 6))
        #expect(slices.map(\.index) == [0, 1, 2])
        #expect(slices[0].keep == 65_530..<65_536)
        #expect(slices[1].keep == 0..<65_536)
        #expect(slices[2].keep == 0..<6)
        #expect(slices[2].blobOffset == 16 + 2 * 65_552)
        #expect(try layout.segments(for: (3 * 65_536)..<(3 * 65_536 + 17)).map(\.sealedLength) == [33])
        #expect(try layout.segments(for: (3 * 65_536)..<(3 * 65_536 + 17)).map(\.isLast) == [true])
        #expect(BlobLayout.blobSize(forPlaintextSize: 0, segmentSize: 65_536) == 32)
        #expect(BlobLayout.blobSize(forPlaintextSize: 65_536, segmentSize: 65_536) == 16 + 65_552)
        #expect(throws: BlobError.truncated) { try BlobLayout(header: header, blobSize: 31) }
        #expect(throws: BlobError.truncated) { try BlobLayout(header: header, blobSize: 16 + 65_552 + 10) }
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: BlobError.io(errno: 2)) {
            try BlobFileReader(path: "/nonexistent/sealdrop/blob", key: SymmetricKey(size: .bits256))
        }
    }
}
