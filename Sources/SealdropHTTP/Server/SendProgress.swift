import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How far one connection's response body has actually left for the socket, so a streaming response can
/// wait for its own bytes instead of only for NIO's writability signal.
///
/// A response writer hands bytes to the event loop through a buffer that the writability signal bounds only
/// once the event loop has caught up: when the decrypting threads run ahead of a busy event loop, every
/// connection's writer keeps queueing, and 500 downloads grew the heap by tens of megabytes (by a gigabyte
/// with the event loop slowed under strace). Here the streaming side counts what it handed over,
/// `SendProgressHandler` counts what was written, and the writer waits while more than `limit` bytes of
/// its own are between the two — but only while all paced streams together have more than `sharedLimit`
/// unwritten: a few fast downloads run ahead freely (one stream waiting for every 128 KiB fell from
/// 1.2 GB/s to 0.6 GB/s), hundreds are held to `limit` each.
final class SendProgress: Sendable {
    private struct State {
        var completed: Int64 = 0
        /// Paced bytes handed over on this connection and not yet written.
        var pacedOutstanding: Int64 = 0
        var closed = false
        var waiter: (target: Int64, continuation: CheckedContinuation<Void, Never>)?
    }
    private let state = Mutex(State())

    /// Body bytes a streaming response may have handed over and not yet seen written, once `sharedLimit` is reached.
    static let limit: Int64 = 128 * 1024
    /// Unwritten paced bytes of all connections together below which no stream waits.
    static let sharedLimit: Int64 = 8 << 20
    /// Unwritten paced bytes of all connections together.
    static let inFlight = Atomic<Int64>(0)

    init() {}

    /// Body bytes of this connection written to the socket so far (all responses).
    var completed: Int64 { state.withLock { $0.completed } }

    /// Counts `count` bytes as handed over by a paced stream (also in `inFlight`).
    func handOver(_ count: Int) {
        let counted = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.pacedOutstanding += Int64(count)
            return true
        }
        if counted { Self.inFlight.add(Int64(count), ordering: .relaxed) }
    }

    /// Counts `bytes` as written (on the event loop, as each body write completes).
    func didWrite(_ bytes: Int) {
        var paced: Int64 = 0
        let ready = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.completed += Int64(bytes)
            // Body bytes arrive in order; those beyond what paced streams handed over (headers of a ZIP entry, an
            // unpaced response) are not theirs.
            paced = min(Int64(bytes), s.pacedOutstanding)
            s.pacedOutstanding -= paced
            guard let waiter = s.waiter, s.completed >= waiter.target else { return nil }
            s.waiter = nil
            return waiter.continuation
        }
        if paced > 0 { Self.inFlight.subtract(paced, ordering: .relaxed) }
        ready?.resume()
    }

    /// The connection is gone: nothing waits any more.
    func close() {
        var unwritten: Int64 = 0
        let waiting = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.closed = true
            unwritten = s.pacedOutstanding
            s.pacedOutstanding = 0
            defer { s.waiter = nil }
            return s.waiter?.continuation
        }
        if unwritten > 0 { Self.inFlight.subtract(unwritten, ordering: .relaxed) }
        waiting?.resume()
    }

    /// Returns once `target` body bytes of this connection were written, or it closed.
    func wait(untilCompleted target: Int64) async {
        if state.withLock({ $0.closed || $0.completed >= target }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (now, previous) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
                if s.closed || s.completed >= target { return (true, nil) }
                let previous = s.waiter?.continuation
                s.waiter = (target, continuation)
                return (false, previous)
            }
            // One response streams at a time; a stale waiter is released rather than left hanging.
            previous?.resume()
            if now { continuation.resume() }
        }
    }

    /// Where one streaming response stands: what it handed over, measured from what was written when it began.
    struct Pacer {
        let progress: SendProgress?
        private let start: Int64
        private var handed: Int64 = 0

        init(_ progress: SendProgress?) {
            self.progress = progress
            self.start = progress?.completed ?? 0
        }

        /// Waits until `count` more bytes may be handed over, and counts them as handed.
        ///
        /// Past the limit, while all streams together are past `sharedLimit`, it waits until at most half of
        /// its limit is outstanding, so a stream that keeps up pays one suspension per two writes, not per write.
        mutating func reserve(_ count: Int) async {
            handed += Int64(count)
            guard let progress else { return }
            progress.handOver(count)
            guard handed - (progress.completed - start) > SendProgress.limit,
                  SendProgress.inFlight.load(ordering: .relaxed) > SendProgress.sharedLimit else { return }
            await progress.wait(untilCompleted: start + handed - SendProgress.limit / 2)
        }
    }
}

/// Counts each connection's response body bytes as they are written to the socket into its `SendProgress`,
/// which the download controllers find in the listeners' `SendProgressRegistry`.
final class SendProgressHandler: ChannelOutboundHandler, ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let progress = SendProgress()
    private let registry: SendProgressRegistry

    init(registry: SendProgressRegistry) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        registry.register(progress, for: context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        registry.remove(for: context.channel)
        progress.close()
    }

    func channelInactive(context: ChannelHandlerContext) {
        progress.close()
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .body(let buffer) = unwrapOutboundIn(data), buffer.readableBytes > 0 else {
            context.write(data, promise: promise)
            return
        }
        let count = buffer.readableBytes
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.whenComplete { [progress] _ in progress.didWrite(count) }
        context.write(data, promise: written)
    }
}

/// The `SendProgress` of each open connection of one server's listeners, by channel. `HTTPSurfaces` owns it
/// and hands it to the channel handlers and the download controllers.
final class SendProgressRegistry: Sendable {
    private let table = Mutex<[ObjectIdentifier: SendProgress]>([:])

    init() {}

    func register(_ progress: SendProgress, for channel: any Channel) {
        table.withLock { $0[ObjectIdentifier(channel)] = progress }
    }

    func remove(for channel: any Channel) {
        _ = table.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The connection's progress; nil for channels without the handler (tests that build their own).
    func progress(for channel: any Channel) -> SendProgress? {
        table.withLock { $0[ObjectIdentifier(channel)] }
    }

    /// The progress of the connection a request came on; nil outside the listeners (in-process tests).
    func progress(for context: SealdropRequestContext) -> SendProgress? {
        table.withLock { $0[context.connection] }
    }

    /// Open connections known (for tests).
    var count: Int { table.withLock { $0.count } }
}
