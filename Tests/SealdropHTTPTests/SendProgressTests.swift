import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import SealdropCore
import SealdropCrypto
@testable import SealdropHTTP
import SealdropServices
import Synchronization
import Testing

/// `SendProgress`, its pacer and `SendProgressHandler`: a streaming response waits for its own bytes to be
/// written, wakes when they are or when the connection closes, and the handler counts only body bytes, on completion.
@Suite(.serialized) struct SendProgressTests {
    @Test func aWaiterWakesOnceEnoughWasWrittenAndNotBefore() async {
        let progress = SendProgress()
        let woke = Flag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await progress.wait(untilCompleted: 100)
                woke.set()
            }
            // Not yet: 99 of 100 bytes written.
            progress.didWrite(60)
            progress.didWrite(39)
            for _ in 0..<100 { await Task.yield() }
            #expect(woke.value == false)
            progress.didWrite(1)
            await group.waitForAll()
        }
        #expect(woke.value)
        #expect(progress.completed == 100)
        // Already reached: returns at once.
        await progress.wait(untilCompleted: 50)
    }

    @Test func closingWakesTheWaiterAndLaterWaitsReturnAtOnce() async {
        let progress = SendProgress()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await progress.wait(untilCompleted: 1 << 40) }
            for _ in 0..<10 { await Task.yield() }
            progress.close()
            await group.waitForAll()
        }
        await progress.wait(untilCompleted: 1 << 41)
    }

    @Test func aLoneStreamRunsAheadWhileLittleIsUnwrittenOverall() async {
        let progress = SendProgress()
        var pacer = SendProgress.Pacer(progress)
        // Far past its own limit, nothing written yet: it is not held back while the total stays low.
        let ahead = Int(SendProgress.limit) * 8
        #expect(Int64(ahead) < SendProgress.sharedLimit)
        for _ in 0..<8 { await pacer.reserve(Int(SendProgress.limit)) }
        progress.didWrite(ahead)
        progress.close()
    }

    @Test func thePacerLetsALimitThroughThenWaitsForHalfOfItToDrain() async {
        // Other connections hold more than the shared limit unwritten: every stream is held to its own limit.
        let others = SendProgress()
        others.handOver(Int(SendProgress.sharedLimit) + 1)
        defer { others.close() }
        let progress = SendProgress()
        progress.didWrite(1000)  // an earlier response on the connection
        var pacer = SendProgress.Pacer(progress)
        let slice = 32 * 1024
        let free = Int(SendProgress.limit) / slice
        // Up to the limit nothing waits.
        for _ in 0..<free { await pacer.reserve(slice) }
        let handed = Int64(free * slice)
        // One more must wait until at most half the limit of this stream is outstanding.
        let passed = Flag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [pacer] in
                var pacer = pacer
                await pacer.reserve(slice)
                passed.set()
            }
            for _ in 0..<50 { await Task.yield() }
            #expect(passed.value == false)
            let needed = handed + Int64(slice) - SendProgress.limit / 2
            progress.didWrite(Int(needed) - 1)
            for _ in 0..<50 { await Task.yield() }
            #expect(passed.value == false)
            progress.didWrite(1)
            await group.waitForAll()
        }
        #expect(passed.value)
    }

    @Test func withoutAConnectionThePacerNeverWaits() async {
        var pacer = SendProgress.Pacer(nil)
        for _ in 0..<100 { await pacer.reserve(1 << 20) }
    }

    @Test func aStreamingDownloadHandsOverNoMoreThanItsLimitUntilTheConnectionWrites() async throws {
        let others = SendProgress()
        others.handOver(Int(SendProgress.sharedLimit) + 1)
        defer { others.close() }
        let key = SymmetricKey(size: .bits256)
        var encryptor = try BlobEncryptor(key: key, segmentSize: 65_536)
        let plaintext = [UInt8](repeating: 5, count: 1 << 20)
        let blob = encryptor.header + encryptor.append(plaintext) + (try encryptor.finish())
        let chunks = try PlaintextReader(handle: MemoryBlob(blob), key: key).chunks()
        let progress = SendProgress()
        let received = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var chunks = chunks
                var writer: any ResponseBodyWriter = CountingWriter(counter: received)
                try await chunks.stream(to: &writer, budget: AsyncBudget(limit: 4), progress: progress)
            }
            // Nothing reaches the socket: the stream hands over its limit (in 32 KiB writes) and then waits.
            while received.value < Int(SendProgress.limit) { await Task.yield() }
            for _ in 0..<200 { await Task.yield() }
            #expect(received.value == Int(SendProgress.limit))
            // Three quarters written (it waits for half its limit to be left): again up to its limit ahead.
            progress.didWrite(Int(SendProgress.limit) * 3 / 4)
            while received.value < Int(SendProgress.limit) * 7 / 4 { await Task.yield() }
            for _ in 0..<200 { await Task.yield() }
            #expect(received.value == Int(SendProgress.limit) * 7 / 4)
            // The connection closes: nothing waits any more and the rest goes through.
            progress.close()
            try await group.waitForAll()
        }
        #expect(received.value == plaintext.count)
    }

    @Test func theHandlerCountsBodyBytesWhenTheirWriteCompletesAndUnregistersOnRemoval() throws {
        let channel = EmbeddedChannel()
        let registry = SendProgressRegistry()
        let before = registry.count
        try channel.pipeline.syncOperations.addHandler(SendProgressHandler(registry: registry))
        let progress = try #require(registry.progress(for: channel))
        #expect(registry.count == before + 1)
        let head = HTTPResponsePart.head(HTTPResponse(status: .ok))
        try channel.writeOutbound(head)
        #expect(progress.completed == 0)
        // A write is counted when it completes (on flush here), not when it is queued.
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.write(HTTPResponsePart.body(ByteBuffer(repeating: 1, count: 5000)), promise: written)
        channel.write(HTTPResponsePart.body(ByteBuffer(repeating: 2, count: 300)), promise: nil)
        #expect(progress.completed == 0)
        channel.flush()
        #expect(progress.completed == 5300)
        try written.futureResult.wait()
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        #expect(progress.completed == 5300)
        _ = try channel.finish()
        #expect(registry.progress(for: channel) == nil)
        #expect(registry.count == before)
    }
}

/// A flag one task sets and another reads.
private final class Flag: Sendable {
    private let state = Mutex(false)
    var value: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}

/// A byte count one task adds to and another reads.
private final class Counter: Sendable {
    private let state = Mutex(0)
    var value: Int { state.withLock { $0 } }
    func add(_ count: Int) { state.withLock { $0 += count } }
}

/// A response body writer that only counts what it is handed.
private struct CountingWriter: ResponseBodyWriter {
    let counter: Counter
    mutating func write(_ buffer: ByteBuffer) async throws { counter.add(buffer.readableBytes) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// A blob held in memory.
private final class MemoryBlob: BlobReadHandle {
    let bytes: [UInt8]
    var size: Int64 { Int64(bytes.count) }
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)])
    }
}
