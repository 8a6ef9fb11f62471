import Crypto
import Testing
import SealdropCrypto

/// Tampering, truncation, reordering and extension of a blob are all detected.
@Suite struct BlobTamperTests {
    static let segment = BlobFormat.minimumSegmentSize
    let key = SymmetricKey(size: .bits256)
    let plaintext = TestBytes(seed: 42).bytesArray(3 * 65_536 + 17)  // 4 segments, last 17 bytes
    let blob: [UInt8]
    let sealedSegment = 65_536 + 16

    init() throws {
        blob = try Blob.seal(plaintext, key: key, segmentSize: Self.segment)
    }

    /// Opens `bytes` both in memory and through a file, expecting the same failure both ways.
    func expectRejected(_ bytes: [UInt8], _ matches: @escaping (BlobError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let memoryError = #expect(throws: BlobError.self, sourceLocation: sourceLocation) { try Blob.open(bytes, key: key) }
        #expect(memoryError.map(matches) == true, "in memory: \(String(describing: memoryError))", sourceLocation: sourceLocation)
        let segmentError = #expect(throws: BlobError.self, sourceLocation: sourceLocation) { try Blob.openSegments(bytes, key: key) }
        #expect(segmentError.map(matches) == true, "segment by segment: \(String(describing: segmentError))", sourceLocation: sourceLocation)
        let dir = try TemporaryDirectory()
        let path = dir.file("tampered")
        try Blob.write(bytes, to: path)
        let fileError = #expect(throws: BlobError.self, sourceLocation: sourceLocation) { try Blob.read(path: path, key: key) }
        #expect(fileError.map(matches) == true, "from file: \(String(describing: fileError))", sourceLocation: sourceLocation)
    }

    /// Whether `error` is an authentication failure (of segment `index`, if given).
    static func authFailure(_ index: Int? = nil) -> (BlobError) -> Bool {
        { error in
            if case .authenticationFailed(let segment) = error { return index == nil || segment == index }
            return false
        }
    }

    @Test func intactBlobOpens() throws {
        #expect(try Blob.open(blob, key: key) == plaintext)
        #expect(try Blob.openSegments(blob, key: key) == plaintext)
        #expect(try Blob.openSegments(blob, key: key, range: 70_000..<140_000) == Array(plaintext[70_000..<140_000]))
    }

    @Test func segmentReadShortIsTruncatedAndAReaderErrorPassesThrough() throws {
        struct ReadFailed: Error, Equatable {}
        let decryptor = try BlobDecryptor(key: key, headerBytes: blob[..<BlobFormat.headerSize])
        let first = blob[BlobFormat.headerSize..<BlobFormat.headerSize + sealedSegment]
        // A blob that shrank after its layout was computed: the reader delivers one byte less.
        #expect(throws: BlobError.truncated) {
            try decryptor.openSegment(index: 0, isLast: false, sealedLength: sealedSegment) { buffer in
                first.dropLast().withUnsafeBytes { buffer.copyMemory(from: $0) }
                return sealedSegment - 1
            }
        }
        #expect(throws: ReadFailed()) {
            try decryptor.openSegment(index: 0, isLast: false, sealedLength: sealedSegment) { _ in throw ReadFailed() }
        }
        let plain = try decryptor.openSegment(index: 0, isLast: false, sealedLength: sealedSegment) { buffer in
            first.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return sealedSegment
        }
        #expect(Array(plain) == Array(plaintext[..<Self.segment]))
        // The same bytes as the last segment, or as another index, do not authenticate.
        #expect(throws: BlobError.authenticationFailed(segment: 1)) {
            try decryptor.openSegment(index: 1, isLast: false, sealedLength: sealedSegment) { buffer in
                first.withUnsafeBytes { buffer.copyMemory(from: $0) }
                return sealedSegment
            }
        }
    }

    @Test func headerMagicFlipIsBadHeader() throws {
        var bad = blob
        bad[0] ^= 0x01
        try expectRejected(bad) { $0 == .badHeader }
    }

    @Test func headerVersionChangeIsUnsupported() throws {
        var bad = blob
        bad[4] = 2
        try expectRejected(bad) { $0 == .unsupportedVersion(2) }
    }

    @Test func headerNoncePrefixFlipFailsAuthentication() throws {
        var bad = blob
        bad[12] ^= 0x80
        try expectRejected(bad, Self.authFailure(0))
    }

    @Test func headerSegmentSizeEditIsDetected() throws {
        var bad = blob
        bad[6] = 0x02  // 64 KiB → 128 KiB: geometry no longer matches
        try expectRejected(bad) { error in
            error == .truncated || Self.authFailure()(error)
        }
    }

    @Test func middleSegmentFlipFailsAuthentication() throws {
        var bad = blob
        bad[16 + sealedSegment + 1000] ^= 0x01
        try expectRejected(bad, Self.authFailure(1))
    }

    @Test func lastTagFlipFailsAuthentication() throws {
        var bad = blob
        bad[bad.count - 1] ^= 0x01
        try expectRejected(bad, Self.authFailure(3))
    }

    @Test func droppingTheLastSegmentIsDetected() throws {
        let bad = Array(blob[..<(16 + 3 * sealedSegment)])  // three full, non-final segments remain
        try expectRejected(bad, Self.authFailure(2))
    }

    @Test func droppingBytesIsDetected() throws {
        for drop in [1, 16, 17, 33, sealedSegment] {
            let bad = Array(blob.dropLast(drop))
            try expectRejected(bad) { error in
                error == .truncated || Self.authFailure()(error)
            }
        }
        #expect(throws: BlobError.truncated) { try Blob.open(Array(blob[..<31]), key: key) }
    }

    @Test func reorderingSegmentsFailsAuthentication() throws {
        var bad = blob
        let first = 16..<(16 + sealedSegment)
        let second = (16 + sealedSegment)..<(16 + 2 * sealedSegment)
        bad.replaceSubrange(first, with: blob[second])
        bad.replaceSubrange(second, with: blob[first])
        try expectRejected(bad, Self.authFailure(0))
    }

    @Test func appendingGarbageIsDetected() throws {
        for extra in [1, 15, 16, 40, sealedSegment] {
            let bad = blob + TestBytes(seed: UInt64(extra)).bytesArray(extra)
            try expectRejected(bad) { error in
                error == .truncated || Self.authFailure()(error)
            }
        }
    }

    @Test func emptyFileCannotGrowAnEmptySegment() throws {
        let empty = try Blob.seal([], key: key, segmentSize: Self.segment)
        #expect(empty.count == 32)
        #expect(try Blob.open(empty, key: key).isEmpty)
        #expect(throws: BlobError.truncated) { try Blob.open(Array(empty.dropLast()), key: key) }
        // k full segments followed by an empty one is a size the encryptor never writes.
        let full = try Blob.seal(TestBytes(seed: 1).bytesArray(Self.segment), key: key, segmentSize: Self.segment)
        #expect(throws: BlobError.truncated) {
            try BlobLayout(headerBytes: full, blobSize: Int64(full.count + 16))
        }
    }
}
