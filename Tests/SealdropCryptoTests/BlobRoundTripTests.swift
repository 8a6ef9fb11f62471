import Crypto
import Testing
import SealdropCrypto

/// Encrypt → decrypt round trips at the segment-boundary sizes, for small and default segments.
@Suite struct BlobRoundTripTests {
    static let segmentSizes = [BlobFormat.minimumSegmentSize, BlobFormat.defaultSegmentSize]

    /// Plaintext sizes around segment boundaries for `segment`.
    static func sizes(for segment: Int) -> [Int] {
        [0, 1, segment - 1, segment, segment + 1, 3 * segment + 17]
    }

    @Test(arguments: segmentSizes)
    func roundTripInMemoryAndFile(segmentSize: Int) throws {
        let key = SymmetricKey(size: .bits256)
        let dir = try TemporaryDirectory()
        var gen = TestBytes(seed: UInt64(segmentSize))
        for size in Self.sizes(for: segmentSize) {
            let plaintext = gen.bytes(size)
            let blob = try Blob.seal(plaintext, key: key, segmentSize: segmentSize)
            let expectedSegments = max(1, (size + segmentSize - 1) / segmentSize)
            #expect(Int64(blob.count) == BlobLayout.blobSize(forPlaintextSize: Int64(size), segmentSize: segmentSize))
            #expect(blob.count == 16 + size + 16 * expectedSegments)

            let layout = try BlobLayout(headerBytes: blob, blobSize: Int64(blob.count))
            #expect(layout.plaintextSize == Int64(size))
            #expect(layout.segmentCount == expectedSegments)
            #expect(try Blob.open(blob, key: key) == plaintext)

            let path = dir.file("blob-\(size)")
            try Blob.write(blob, to: path)
            let reader = try BlobFileReader(path: path, key: key)
            #expect(reader.plaintextSize == Int64(size))
            #expect(try Blob.read(path: path, key: key) == plaintext)
        }
    }

    @Test func headerLayout() throws {
        let encryptor = try BlobEncryptor(key: SymmetricKey(size: .bits256), segmentSize: 65_536)
        let header = encryptor.header
        #expect(header.count == 16)
        #expect(Array(header[0..<4]) == Array("SDB1".utf8))
        #expect(header[4] == 1)
        #expect(Array(header[5..<9]) == [0x00, 0x01, 0x00, 0x00])
        let other = try BlobEncryptor(key: SymmetricKey(size: .bits256), segmentSize: 65_536)
        #expect(Array(header[9...]) != Array(other.header[9...]), "nonce prefix must be random")
        #expect(try BlobEncryptor(key: SymmetricKey(size: .bits256)).header[5..<9] == [0x00, 0x10, 0x00, 0x00])
    }

    @Test func segmentSizeBoundsAreEnforced() throws {
        let key = SymmetricKey(size: .bits256)
        #expect(throws: BlobError.invalidSegmentSize(65_535)) { try BlobEncryptor(key: key, segmentSize: 65_535) }
        #expect(throws: BlobError.invalidSegmentSize(1_048_577)) { try BlobEncryptor(key: key, segmentSize: 1_048_577) }
        #expect(throws: (any Error).self) { try BlobEncryptor(key: SymmetricKey(size: .bits128)) }
    }

    @Test func appendOnlySealsWhenMoreBytesFollow() throws {
        let key = SymmetricKey(size: .bits256)
        var encryptor = try BlobEncryptor(key: key, segmentSize: 65_536)
        #expect(encryptor.append([UInt8](repeating: 7, count: 65_536)).isEmpty)
        #expect(encryptor.append([UInt8]()).isEmpty)
        let sealed = encryptor.append([UInt8](repeating: 8, count: 1))
        #expect(sealed.count == 65_536 + 16)
        let last = try encryptor.finish()
        #expect(last.count == 1 + 16)
        #expect(encryptor.plaintextCount == 65_537)
        #expect(throws: BlobError.alreadyFinished) { try encryptor.finish() }
    }

    @Test func rawBufferAndCollectionOverloadsAgree() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = TestBytes(seed: 3).bytesArray(300_001)
        var a = try BlobEncryptor(key: key, segmentSize: 65_536)
        let header = try BlobHeader(parsing: a.header)
        var b = try BlobEncryptor(key: key, header: header)
        let viaRaw = plaintext.withUnsafeBytes { a.append($0) } + (try a.finish())
        let viaSlices = b.append(plaintext[..<5]) + b.append(plaintext[5...].lazy.map { $0 }) + (try b.finish())
        #expect(viaRaw == viaSlices)
        #expect(try Blob.open(a.header + viaRaw, key: key) == plaintext)
    }

    @Test func wrongKeyFailsAuthentication() throws {
        let blob = try Blob.seal([1, 2, 3], key: SymmetricKey(size: .bits256), segmentSize: 65_536)
        #expect(throws: BlobError.authenticationFailed(segment: 0)) {
            try Blob.open(blob, key: SymmetricKey(size: .bits256))
        }
    }
}

extension TestBytes {
    /// `count` bytes from a fresh copy of the generator (keeps call sites on one line).
    func bytesArray(_ count: Int) -> [UInt8] {
        var copy = self
        return copy.bytes(count)
    }
}

/// The buffer-reusing variants produce the same bytes as the allocating ones.
@Suite struct BlobBufferReuseTests {
    @Test func appendIntoAndNextIntoMatch() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = TestBytes(seed: 11).bytesArray(5 * 65_536 + 3)
        var encryptor = try BlobEncryptor(key: key, segmentSize: 65_536)
        var blob = encryptor.header
        var sink: [UInt8] = [0xAA]
        for start in stride(from: 0, to: plaintext.count, by: 100_000) {
            sink.removeAll(keepingCapacity: true)
            plaintext[start..<min(start + 100_000, plaintext.count)].withUnsafeBytes {
                encryptor.append($0, into: &sink)
            }
            blob += sink
        }
        blob += try encryptor.finish()
        #expect(try Blob.open(blob, key: key) == plaintext)

        let dir = try TemporaryDirectory()
        let path = dir.file("blob")
        try Blob.write(blob, to: path)
        let reader = try BlobFileReader(path: path, key: key)
        var chunks = reader.chunks(range: 10..<(4 * 65_536 + 1))
        var piece: [UInt8] = [1, 2, 3]
        var got: [UInt8] = []
        while try chunks.next(into: &piece) { got += piece }
        #expect(piece.isEmpty)
        #expect(got == Array(plaintext[10..<(4 * 65_536 + 1)]))
    }

    @Test func appendSealingToHandsOverTheSameBytesAsAppend() throws {
        let key = SymmetricKey(size: .bits256)
        let header = try BlobHeader(segmentSize: 65_536, noncePrefix: SecureRandom.bytes(BlobFormat.noncePrefixSize))
        let plaintext = TestBytes(seed: 12).bytesArray(7 * 65_536 + 11)
        var viaArray = try BlobEncryptor(key: key, header: header)
        var viaSink = try BlobEncryptor(key: key, header: header)
        var expected = header.bytes, got = header.bytes
        var parts = 0
        // Uneven pieces: some seal nothing, some several segments, one from the buffered tail of the last.
        for size in [1, 65_534, 70_000, 3 * 65_536, 9, 200_000] {
            let start = Int(viaArray.plaintextCount)
            let piece = Array(plaintext[start..<min(start + size, plaintext.count)])
            expected += viaArray.append(piece)
            try piece.withUnsafeBytes { try viaSink.append($0) { got.append(contentsOf: $0); parts += 1 } }
        }
        let rest = Array(plaintext[Int(viaArray.plaintextCount)...])
        expected += viaArray.append(rest)
        try rest.withUnsafeBytes { try viaSink.append($0) { got.append(contentsOf: $0); parts += 1 } }
        #expect(got == expected)
        // Every segment comes as its ciphertext and then its tag, unjoined.
        #expect(parts == 2 * 7)
        expected += try viaArray.finish()
        got += try viaSink.finish()
        #expect(got == expected)
        #expect(try Blob.open(got, key: key) == plaintext)
    }

    @Test func aSinkThatFailsLeavesABlobThatCannotBeFinished() throws {
        struct DiskFull: Error {}
        var encryptor = try BlobEncryptor(key: SymmetricKey(size: .bits256), segmentSize: 65_536)
        let plaintext = [UInt8](repeating: 3, count: 3 * 65_536)
        #expect(throws: DiskFull.self) { try plaintext.withUnsafeBytes { try encryptor.append($0) { _ in throw DiskFull() } } }
        #expect(throws: BlobError.incomplete) { try encryptor.finish() }
    }
}
