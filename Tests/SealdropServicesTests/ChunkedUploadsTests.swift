import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// `ChunkedUploads`: a file sent in chunks over several calls, a chunk that breaks off is rolled back and
/// resent, offsets are enforced, the result is byte-for-byte the original, nothing is visible early.
@Suite struct ChunkedUploadsTests {
    struct Broken: Error {}

    func session(_ h: ServiceHarness, _ service: TransferService, sender: VerifiedSender, size: Int) async throws -> (TrackingID, FileID) {
        let trackingId = try await service.createSession(by: sender, contact: SenderContact(name: "Alice"), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let fileId = try await service.registerFile(trackingId, by: sender, name: "big.bin", size: Int64(size), checksum: nil)
        return (trackingId, fileId)
    }

    /// Writes `bytes` in pieces of `piece`, as a request body would arrive.
    func write(_ bytes: ArraySlice<UInt8>, to upload: FileUpload, piece: Int = 65_536, breakAfter: Int? = nil) throws {
        var offset = bytes.startIndex
        var sent = 0
        while offset < bytes.endIndex {
            let end = min(bytes.endIndex, offset + piece)
            try Array(bytes[offset..<end]).withUnsafeBytes { try upload.write($0) }
            sent += end - offset
            offset = end
            if let breakAfter, sent >= breakAfter { throw Broken() }
        }
    }

    @Test func brokenChunksAreRolledBackAndResentToAnExactCopy() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(transfers: service)
        let sender = Sample.sender()
        let bytes = Sample.plaintext(5 * 1024 * 1024 + 4321)
        let (trackingId, fileId) = try await session(h, service, sender: sender, size: bytes.count)
        let chunk = 2 * 1024 * 1024 + 17  // deliberately not on a segment boundary
        var offset = 0
        var breaks = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            // Every chunk first breaks off halfway, then arrives whole.
            await #expect(throws: Broken.self) {
                _ = try await uploads.receive(trackingId, fileId: fileId, offset: Int64(offset), by: sender) { upload in
                    try write(bytes[offset..<end], to: upload, breakAfter: (end - offset) / 2)
                }
            }
            breaks += 1
            #expect(try await uploads.progress(trackingId, fileId: fileId, by: sender) == .init(received: Int64(offset), size: Int64(bytes.count), complete: false))
            let progress = try await uploads.receive(trackingId, fileId: fileId, offset: Int64(offset), by: sender) { upload in
                try write(bytes[offset..<end], to: upload)
            }
            offset = end
            #expect(progress.received == Int64(offset))
            #expect(progress.complete == (offset == bytes.count))
        }
        #expect(breaks == 3)
        #expect(uploads.inProgress == 0)
        let file = try #require(try await service.session(trackingId, by: sender).files.first)
        #expect(file.state == .uploaded)
        #expect(file.checksum == Sample.sha256Hex(bytes))
        #expect(try h.temporaries().isEmpty)

        // The committed blob decrypts to exactly the original.
        var patch = SessionPatch()
        patch.passwordMode = .manual
        patch.password = Sample.manualPassword
        _ = try await service.patch(trackingId, by: sender, with: patch)
        try await service.finalize(trackingId, by: sender)
        let transferId = try #require(try await h.database.recipients(of: trackingId).first?.transferId)
        let access = try await h.downloads().open(transferId, password: Sample.manualPassword)
        #expect(try h.downloads().plaintext(access, fileId) == bytes)
    }

    @Test func offsetsMustMatchAndOneChunkAtATime() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(transfers: service)
        let sender = Sample.sender()
        let bytes = Sample.plaintext(300_000)
        let (trackingId, fileId) = try await session(h, service, sender: sender, size: bytes.count)
        // Nothing held yet: only offset 0 can start.
        await #expect { _ = try await uploads.receive(trackingId, fileId: fileId, offset: 5, by: sender) { _ in } } throws: {
            ($0 as? ChunkedUploads.OffsetMismatch)?.received == 0
        }
        _ = try await uploads.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(bytes[0..<100_000], to: $0) }
        for wrong: Int64 in [0, 99_999, 100_001, 300_000] {
            await #expect { _ = try await uploads.receive(trackingId, fileId: fileId, offset: wrong, by: sender) { _ in } } throws: {
                ($0 as? ChunkedUploads.OffsetMismatch)?.received == 100_000
            }
        }
        // A second chunk while one is in flight is refused with the current offset.
        let gate = AsyncStream<Void>.makeStream()
        let started = AsyncStream<Void>.makeStream()
        async let first: ChunkedUploads.Progress = uploads.receive(trackingId, fileId: fileId, offset: 100_000, by: sender) { upload in
            started.continuation.yield()
            for await _ in gate.stream { break }
            try write(bytes[100_000..<200_000], to: upload)
        }
        for await _ in started.stream { break }
        await #expect { _ = try await uploads.receive(trackingId, fileId: fileId, offset: 100_000, by: sender) { _ in } } throws: {
            ($0 as? ChunkedUploads.OffsetMismatch)?.received == 100_000
        }
        gate.continuation.yield()
        #expect(try await first.received == 200_000)
        // Too many bytes discard the upload; the file must start again.
        await #expect(throws: SealdropError.self) {
            _ = try await uploads.receive(trackingId, fileId: fileId, offset: 200_000, by: sender) { try write(bytes[0..<150_000], to: $0) }
        }
        #expect(try await uploads.progress(trackingId, fileId: fileId, by: sender).received == 0)
        #expect(uploads.inProgress == 0)
    }

    @Test func anotherSenderCannotContinueAnUpload() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(transfers: service)
        let sender = Sample.sender()
        let bytes = Sample.plaintext(10_000)
        let (trackingId, fileId) = try await session(h, service, sender: sender, size: bytes.count)
        _ = try await uploads.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(bytes[0..<5_000], to: $0) }
        await #expect(throws: SealdropError.self) {
            _ = try await uploads.receive(trackingId, fileId: fileId, offset: 5_000, by: Sample.sender()) { try write(bytes[5_000...], to: $0) }
        }
        // The owner continues where it was.
        let done = try await uploads.receive(trackingId, fileId: fileId, offset: 5_000, by: sender) { try write(bytes[5_000...], to: $0) }
        #expect(done.complete)
    }

    @Test func idleUploadsAreDiscarded() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(transfers: service, idleLimit: 60, now: h.clock.closure)
        let sender = Sample.sender()
        let bytes = Sample.plaintext(10_000)
        let (trackingId, fileId) = try await session(h, service, sender: sender, size: bytes.count)
        _ = try await uploads.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(bytes[0..<5_000], to: $0) }
        #expect(try h.temporaries().count == 1)
        h.clock.advance(120)
        let (otherSession, otherFile) = try await session(h, service, sender: sender, size: 10)
        _ = try await uploads.receive(otherSession, fileId: otherFile, offset: 0, by: sender) { try write(bytes[0..<10], to: $0) }
        #expect(try await uploads.progress(trackingId, fileId: fileId, by: sender).received == 0)
        #expect(try h.temporaries().isEmpty)
    }
}
