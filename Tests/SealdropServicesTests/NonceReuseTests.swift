import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// Issue 11 L4: an upload that goes back (a broken chunk) or resumes after a restart never seals new bytes under a
/// (file key, nonce) pair it used before. The review showed C1 ⊕ C2 ⊕ P1 = P2 live: the same segment index sealed
/// twice under one nonce over different bytes. These tests capture both ciphertexts of such a segment from disk.
@Suite struct NonceReuseTests {
    struct Broken: Error {}
    static let segment = ServiceHarness.segmentSize

    /// Two versions of the file that differ from byte 0 on, so every segment's plaintext differs between attempts.
    static func versions(_ count: Int) -> ([UInt8], [UInt8]) {
        let a = Sample.plaintext(count, marker: "FIRST-ATTEMPT-")
        let b = Sample.plaintext(count, marker: "the-real-bytes-")
        return (a, b)
    }

    func write(_ bytes: ArraySlice<UInt8>, to upload: FileUpload, thenBreak: Bool = false) throws {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let end = min(bytes.endIndex, offset + 40_000)
            try Array(bytes[offset..<end]).withUnsafeBytes { try upload.write($0) }
            offset = end
        }
        if thenBreak { throw Broken() }
    }

    func partialBytes(_ h: ServiceHarness, _ trackingId: TrackingID, _ fileId: FileID) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: chunked.partial(h, trackingId, fileId))))
    }

    /// Sealed segment `index` (ciphertext ‖ tag) as it is in `blob`, or its first bytes when the blob ends inside it.
    static func sealedSegment(_ index: Int, in blob: [UInt8]) -> [UInt8] {
        let start = 16 + index * (segment + 16)
        return Array(blob[start..<min(blob.count, start + segment + 16)])
    }

    /// Whether two ciphertexts of the same segment are the XOR of their plaintexts apart — the mark of a reused nonce.
    static func sameKeystream(_ c1: [UInt8], _ c2: [UInt8], _ p1: ArraySlice<UInt8>, _ p2: ArraySlice<UInt8>) -> Bool {
        let n = min(c1.count, c2.count, p1.count, p2.count, 4096)
        let p1 = Array(p1), p2 = Array(p2)
        return (0..<n).allSatisfy { c1[$0] ^ c2[$0] == p1[$0] ^ p2[$0] }
    }

    /// Session, file and download helpers shared with the other chunked-upload tests.
    let chunked = ChunkedUploadsTests()

    @Test func aRolledBackChunkIsResentUnderFreshNonces() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(uploads: service.uploads)
        let sender = Sample.sender()
        let (a, b) = Self.versions(6 * Self.segment + 1000)
        let (trackingId, fileId) = try await chunked.session(h, service, sender: sender, size: b.count)
        let firstChunk = 2 * Self.segment
        _ = try await uploads.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(b[0..<firstChunk], to: $0) }
        // The second chunk goes out with other bytes (the client's file changed, or an attacker's), seals segments
        // 2 and 3 and breaks off; the blob is captured at that moment, as a copy of the disk would.
        let capture = Shared<[UInt8]>([])
        await #expect(throws: Broken.self) {
            _ = try await uploads.receive(trackingId, fileId: fileId, offset: Int64(firstChunk), by: sender) { upload in
                try write(a[firstChunk..<firstChunk + 2 * Self.segment + 5000], to: upload)
                let bytes = try partialBytes(h, trackingId, fileId)
                capture.update { $0 = bytes }
                throw Broken()
            }
        }
        let captured = capture.current
        #expect(captured.count == 16 + 4 * (Self.segment + 16))
        _ = try await uploads.receive(trackingId, fileId: fileId, offset: Int64(firstChunk), by: sender) { try write(b[firstChunk...], to: $0, thenBreak: false) }

        // The committed blob's segment 2 against the one sealed before the rollback.
        let committed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: h.blobDirectory(trackingId) + "/\(fileId.rawValue).blob")))
        #expect(Array(committed[9..<16]) != Array(captured[9..<16]), "the nonce prefix in the header is new")
        let range = 2 * Self.segment..<3 * Self.segment
        #expect(!Self.sameKeystream(Self.sealedSegment(2, in: captured), Self.sealedSegment(2, in: committed), a[range], b[range]))
        #expect(try await chunked.downloaded(h, service, trackingId, fileId, sender: sender) == b)
    }

    @Test func aResumedUploadSealsTheTornSegmentUnderFreshNonces() async throws {
        let h = try ServiceHarness()
        let sender = Sample.sender()
        let (a, b) = Self.versions(6 * Self.segment + 1000)
        let (trackingId, fileId) = try await chunked.session(h, h.transfers(), sender: sender, size: b.count)
        do {
            // The first process seals segments 0–3 of the first version; the crash tears segment 3 in half.
            let before = ChunkedUploads(uploads: h.transfers().uploads)
            _ = try await before.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(a[0..<4 * Self.segment + 10], to: $0) }
        }
        let path = chunked.partial(h, trackingId, fileId)
        var onDisk = try partialBytes(h, trackingId, fileId)
        #expect(onDisk.count == 16 + 4 * (Self.segment + 16))
        onDisk.removeLast(Self.segment / 2)
        try Data(onDisk).write(to: URL(fileURLWithPath: path))
        let torn = Self.sealedSegment(3, in: onDisk)

        // The next process resumes after segment 2; the client sends the rest of the other version.
        let service = h.transfers()
        let after = ChunkedUploads(uploads: service.uploads)
        #expect(try await after.progress(trackingId, fileId: fileId, by: sender).received == Int64(3 * Self.segment))
        var expected = Array(a[0..<3 * Self.segment])
        expected += b[(3 * Self.segment)...]
        _ = try await after.receive(trackingId, fileId: fileId, offset: Int64(3 * Self.segment), by: sender) { try write(expected[(3 * Self.segment)...], to: $0) }

        let committed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: h.blobDirectory(trackingId) + "/\(fileId.rawValue).blob")))
        #expect(Array(committed[9..<16]) != Array(onDisk[9..<16]), "the nonce prefix in the header is new")
        let range = 3 * Self.segment..<4 * Self.segment
        #expect(!Self.sameKeystream(torn, Self.sealedSegment(3, in: committed), a[range], expected[range]))
        // The segments kept from before the restart were sealed again too, and the file is intact.
        #expect(Self.sealedSegment(0, in: committed) != Self.sealedSegment(0, in: onDisk))
        #expect(try await chunked.downloaded(h, service, trackingId, fileId, sender: sender) == expected)
    }
}
