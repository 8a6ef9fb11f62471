import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// `ChunkedUploads`: a file sent in chunks over several calls, a chunk that breaks off is rolled back and
/// resent, offsets are enforced, the result is byte-for-byte the original, nothing is visible early, and an
/// upload continues after a restart from the sealed segments on disk (only ciphertext is there).
@Suite struct ChunkedUploadsTests {
    struct Broken: Error {}

    func session(_ h: ServiceHarness, _ service: TransferServices, sender: VerifiedSender, size: Int) async throws -> (TrackingID, FileID) {
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(name: "Alice"), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "big.bin", size: Int64(size), checksum: nil)
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
        let uploads = ChunkedUploads(uploads: service.uploads)
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
        let file = try #require(try await service.sessions.session(trackingId, by: sender).files.first)
        #expect(file.state == .uploaded)
        #expect(file.checksum == Sample.sha256Hex(bytes))
        #expect(try h.temporaries().isEmpty)

        // The committed blob decrypts to exactly the original.
        var patch = SessionPatch()
        patch.passwordMode = .manual
        patch.password = Sample.manualPassword
        _ = try await service.sessions.patch(trackingId, by: sender, with: patch)
        try await service.finalizing.finalize(trackingId, by: sender)
        let transferId = try #require(try await h.database.recipients(of: trackingId).first?.transferId)
        let access = try await h.downloads().open(transferId, password: Sample.manualPassword)
        #expect(try h.downloads().plaintext(access, fileId) == bytes)
    }

    @Test func offsetsMustMatchAndOneChunkAtATime() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(uploads: service.uploads)
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
        let uploads = ChunkedUploads(uploads: service.uploads)
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

    /// M1: sender B, owning a session of its own, names sender A's in-progress file with B's tracking id.
    /// Writing, reading progress and cancelling are all refused as an unknown file before anything is
    /// touched; A's upload stays where it was and completes with exactly A's bytes.
    @Test func anotherSendersOwnSessionCannotReachAnInProgressFile() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(uploads: service.uploads)
        let alice = Sample.sender()
        let mallory = Sample.sender(Sample.carol)
        let bytes = Sample.plaintext(10_000)
        let (aliceSession, aliceFile) = try await session(h, service, sender: alice, size: bytes.count)
        let (mallorySession, _) = try await session(h, service, sender: mallory, size: 10)
        _ = try await uploads.receive(aliceSession, fileId: aliceFile, offset: 0, by: alice) { try write(bytes[0..<5_000], to: $0) }

        let junk = [UInt8](repeating: 0x41, count: 5_000)
        for offset: Int64 in [0, 5_000] {
            await #expect(throws: SealdropError.notFound("The file")) {
                _ = try await uploads.receive(mallorySession, fileId: aliceFile, offset: offset, by: mallory) { try write(junk[...], to: $0) }
            }
        }
        await #expect(throws: SealdropError.notFound("The file")) { _ = try await uploads.progress(mallorySession, fileId: aliceFile, by: mallory) }
        await #expect(throws: SealdropError.notFound("The file")) { try await uploads.cancel(mallorySession, fileId: aliceFile, by: mallory) }
        // A's own tracking id does not help B either.
        await #expect(throws: SealdropError.differentToken) { try await uploads.cancel(aliceSession, fileId: aliceFile, by: Sample.sender()) }

        // A's upload was neither written to nor cancelled: it continues at 5,000 to an exact copy.
        #expect(uploads.inProgress == 1)
        #expect(try await uploads.progress(aliceSession, fileId: aliceFile, by: alice) == .init(received: 5_000, size: 10_000, complete: false))
        let done = try await uploads.receive(aliceSession, fileId: aliceFile, offset: 5_000, by: alice) { try write(bytes[5_000...], to: $0) }
        #expect(done.complete)
        #expect(try await downloaded(h, service, aliceSession, aliceFile, sender: alice) == bytes)
    }

    /// Sends `bytes[from...]` in chunks of `chunk` through `uploads`; returns the last progress.
    func finish(_ uploads: ChunkedUploads, _ trackingId: TrackingID, _ fileId: FileID, _ bytes: [UInt8], from: Int, chunk: Int = 1_500_001,
                sender: VerifiedSender) async throws -> ChunkedUploads.Progress {
        var offset = from
        var last = ChunkedUploads.Progress(received: Int64(from), size: Int64(bytes.count), complete: false)
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            last = try await uploads.receive(trackingId, fileId: fileId, offset: Int64(offset), by: sender) { try write(bytes[offset..<end], to: $0) }
            offset = end
        }
        return last
    }

    /// The committed file's plaintext, through a finalized transfer.
    func downloaded(_ h: ServiceHarness, _ service: TransferServices, _ trackingId: TrackingID, _ fileId: FileID, sender: VerifiedSender) async throws -> [UInt8] {
        var patch = SessionPatch()
        patch.passwordMode = .manual
        patch.password = Sample.manualPassword
        _ = try await service.sessions.patch(trackingId, by: sender, with: patch)
        try await service.finalizing.finalize(trackingId, by: sender)
        let transferId = try #require(try await h.database.recipients(of: trackingId).first?.transferId)
        let access = try await h.downloads().open(transferId, password: Sample.manualPassword)
        return try h.downloads().plaintext(access, fileId)
    }

    /// The resumable temporary blob of a file.
    func partial(_ h: ServiceHarness, _ trackingId: TrackingID, _ fileId: FileID) -> String {
        h.blobRoot + "/partial/\(trackingId.rawValue).\(fileId.rawValue).part"
    }

    @Test func uploadContinuesAfterARestartFromTheSealedSegments() async throws {
        let h = try ServiceHarness()
        let sender = Sample.sender()
        let bytes = Sample.plaintext(5 * 1024 * 1024 + 4321)
        let segment = ServiceHarness.segmentSize
        let (trackingId, fileId) = try await session(h, h.transfers(), sender: sender, size: bytes.count)
        do {
            // The first process: one chunk that does not end on a segment boundary, then it is gone.
            let before = ChunkedUploads(uploads: h.transfers().uploads)
            let first = try await before.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(bytes[0..<2_000_017], to: $0) }
            #expect(first.received == 2_000_017)
        }
        // Start-up recovery keeps the resumable blob of an open session's unfinished file.
        let recovered = try await h.cleanup().recoverAfterStart()
        #expect(recovered.resumable == 1 && recovered.temporaries == 0)
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: partial(h, trackingId, fileId))))
        let sealedSegments = 2_000_017 / segment
        #expect(onDisk.count == 16 + sealedSegments * (segment + 16))
        // Only ciphertext is on disk: no 64-byte run of the plaintext, anywhere.
        for start in stride(from: 0, to: sealedSegments * segment, by: 100_003) {
            #expect(onDisk.firstRange(of: bytes[start..<start + 64]) == nil)
        }

        // The next process resumes at the last whole sealed segment; the unsealed tail is sent again.
        let service = h.transfers()
        let after = ChunkedUploads(uploads: service.uploads)
        let resumeAt = Int64(sealedSegments * segment)
        #expect(try await after.progress(trackingId, fileId: fileId, by: sender) == .init(received: resumeAt, size: Int64(bytes.count), complete: false))
        await #expect { _ = try await after.receive(trackingId, fileId: fileId, offset: 2_000_017, by: sender) { _ in } } throws: {
            ($0 as? ChunkedUploads.OffsetMismatch)?.received == resumeAt
        }
        let done = try await finish(after, trackingId, fileId, bytes, from: Int(resumeAt), sender: sender)
        #expect(done.complete)
        let file = try #require(try await service.sessions.session(trackingId, by: sender).files.first)
        #expect(file.state == .uploaded && file.checksum == Sample.sha256Hex(bytes))
        #expect(try h.temporaries().isEmpty)
        #expect(try await downloaded(h, service, trackingId, fileId, sender: sender) == bytes)
    }

    @Test func aTornOrTamperedBlobIsCutAtTheLastGoodSegment() async throws {
        let h = try ServiceHarness()
        let sender = Sample.sender()
        let bytes = Sample.plaintext(1_000_000)
        let segment = ServiceHarness.segmentSize
        let (trackingId, fileId) = try await session(h, h.transfers(), sender: sender, size: bytes.count)
        do {
            let before = ChunkedUploads(uploads: h.transfers().uploads)
            _ = try await before.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(bytes[0..<900_000], to: $0) }
        }
        // A torn write at the end and one flipped bit in segment 7 (of 13 sealed).
        let path = partial(h, trackingId, fileId)
        var onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(onDisk.count == 16 + 13 * (segment + 16))
        onDisk[16 + 7 * (segment + 16) + 5] ^= 0x01
        onDisk += [UInt8](repeating: 0, count: 30_000)
        try Data(onDisk).write(to: URL(fileURLWithPath: path))

        let service = h.transfers()
        let after = ChunkedUploads(uploads: service.uploads)
        #expect(try await after.progress(trackingId, fileId: fileId, by: sender).received == Int64(7 * segment))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 16 + 7 * (segment + 16))
        _ = try await finish(after, trackingId, fileId, bytes, from: 7 * segment, chunk: 123_457, sender: sender)
        #expect(try await downloaded(h, service, trackingId, fileId, sender: sender) == bytes)
    }

    @Test func afterARestartOffsetZeroStartsOverAndStaleBlobsAreRemoved() async throws {
        let h = try ServiceHarness()
        let sender = Sample.sender()
        let bytes = Sample.plaintext(700_000)
        let (trackingId, fileId) = try await session(h, h.transfers(), sender: sender, size: bytes.count)
        let (goneSession, goneFile) = try await session(h, h.transfers(), sender: sender, size: bytes.count)
        do {
            let before = ChunkedUploads(uploads: h.transfers().uploads)
            _ = try await before.receive(trackingId, fileId: fileId, offset: 0, by: sender) { try write(bytes[0..<400_000], to: $0) }
            _ = try await before.receive(goneSession, fileId: goneFile, offset: 0, by: sender) { try write(bytes[0..<400_000], to: $0) }
        }
        // A session that ended (here: deleted in the database only, as if the process died meanwhile) loses its blob at start-up.
        try await h.database.deleteTransfer(goneSession)
        let recovered = try await h.cleanup().recoverAfterStart()
        #expect(recovered.resumable == 1)
        #expect(!FileManager.default.fileExists(atPath: partial(h, goneSession, goneFile)))

        // A client that starts again at 0 (an older page, say) gets a fresh blob and an exact file.
        let service = h.transfers()
        let after = ChunkedUploads(uploads: service.uploads)
        let done = try await finish(after, trackingId, fileId, bytes, from: 0, chunk: 250_000, sender: sender)
        #expect(done.complete)
        #expect(try h.temporaries().isEmpty)
        #expect(try await downloaded(h, service, trackingId, fileId, sender: sender) == bytes)
    }

    @Test func idleUploadsAreDiscarded() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let uploads = ChunkedUploads(uploads: service.uploads, idleLimit: 60, now: h.clock.closure)
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
