import Crypto
import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// `HashLane`: an upload's SHA-256 computed on a queue of its own gives the same digest as in line, waits for
/// room, hands its slot back; only large uploads that are not resumable take one, and record the right checksum.
@Suite struct HashLaneTests {
    @Test func aLaneHashesLikeInLineAndGivesItsSlotBack() async throws {
        let slots = HashLane.Slots(limit: 1)
        let lane = try #require(HashLane.acquire(from: slots))
        #expect(HashLane.acquire(from: slots) == nil)
        #expect(slots.active == 1)
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        var inLine = SHA256()
        var offset = 0, size = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            bytes[offset..<end].withUnsafeBytes {
                lane.update($0)
                inLine.update(bufferPointer: $0)
            }
            await lane.waitForRoom()
            offset = end
            size = size * 3 + 1
        }
        let state = await lane.finish()
        #expect(Array(state.finalize()) == Array(inLine.finalize()))
        #expect(Array(inLine.finalize()) == Array(SHA256.hash(data: bytes)))
        #expect(slots.active == 0)
        lane.release()
        #expect(slots.active == 0)
        #expect(HashLane.acquire(from: slots) != nil)
        #expect(slots.handedOut == 2)
    }

    @Test func waitingForRoomReturnsOnlyOnceLittleIsLeftToHash() async throws {
        // The lane's queue is held: nothing is hashed until the test lets it run.
        let queue = DispatchQueue(label: "test.hash-lane")
        queue.suspend()
        let lane = try #require(HashLane.acquire(from: HashLane.Slots(limit: 1), queue: queue))
        let piece = [UInt8](repeating: 1, count: HashLane.maxPending)
        for _ in 0..<3 { piece.withUnsafeBytes { lane.update($0) } }
        #expect(lane.pending == 3 * HashLane.maxPending)
        let returned = Shared(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await lane.waitForRoom()
                returned.update { $0 = true }
            }
            for _ in 0..<200 { await Task.yield() }
            #expect(!returned.current)
            queue.resume()
            try await group.waitForAll()
        }
        #expect(returned.current)
        #expect(lane.pending <= HashLane.maxPending)
        var expected = SHA256()
        for _ in 0..<3 { expected.update(data: piece) }
        #expect(Array(await lane.finish().finalize()) == Array(expected.finalize()))
    }

    @Test func onlyLargeUploadsThatAreNotResumableTakeALaneAndTheirChecksumIsRight() async throws {
        let h = try ServiceHarness()
        let slots = HashLane.Slots(limit: 1)
        let service = h.transfers(hashLanes: slots)
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let large = Sample.plaintext(Int(FileUpload.laneThreshold) + 12_345)
        let small = Sample.plaintext(Int(FileUpload.laneThreshold) - 1)
        let largeId = try await service.sessions.registerFile(trackingId, by: sender, name: "large.bin", size: Int64(large.count), checksum: nil)
        let smallId = try await service.sessions.registerFile(trackingId, by: sender, name: "small.bin", size: Int64(small.count), checksum: nil)

        let resumable = try await service.uploads.beginUpload(trackingId, fileId: largeId, by: sender, resumable: true)
        #expect(slots.handedOut == 0)
        resumable.abort()
        try await service.upload(small, trackingId, smallId, by: sender, chunk: 65_536)
        #expect(slots.handedOut == 0)
        try await service.upload(large, trackingId, largeId, by: sender, chunk: 65_536)
        #expect(slots.handedOut == 1)
        #expect(slots.active == 0)

        let files = try await h.database.files(of: trackingId)
        #expect(files.first { $0.fileId == largeId }?.checksum == Sample.sha256Hex(large))
        #expect(files.first { $0.fileId == smallId }?.checksum == Sample.sha256Hex(small))
    }
}
