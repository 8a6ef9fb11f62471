import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes connections of clients that send too slowly (slowloris), per connection, in the HTTP pipeline.
///
/// - Head: a complete request head must arrive within `headTimeout` of the connection opening or of the
///   previous response ending (a keep-alive connection waiting for its next request counts too).
/// - Body: while the server is waiting for body bytes (a read is outstanding), at least 1 KiB must arrive
///   in every `bodyTimeout` window; time the server spends not reading (a slow disk on our side) never
///   counts against the client.
///
/// - Reading: a connection whose send buffer stays full (the client stopped reading its response) for
///   `bodyTimeout` is closed, so a stalled reader cannot keep a decrypted segment of the download budget.
///
/// Hummingbird's own idle timer is reset by every byte, so a client that trickles never trips it.
final class SlowClientGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The two limits; `nil` switches one off.
    struct Limits: Sendable, Equatable {
        var head: TimeAmount?
        var body: TimeAmount?
        /// Bytes a body window must bring.
        var minimumBodyBytes = 1024
    }

    private enum Phase { case awaitingHead, receivingBody, responding }

    private let limits: Limits
    private var phase = Phase.awaitingHead
    private var timer: Scheduled<Void>?
    private var windowBytes = 0
    private var waitedInWindow = false
    private var readOutstanding = false
    /// Runs while the connection is not writable.
    private var stallTimer: Scheduled<Void>?

    init(limits: Limits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armHead(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armHead(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
        cancelStall()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        cancelStall()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            cancelStall()
        } else if stallTimer == nil, let limit = limits.body {
            stallTimer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: limit) { [self] in
                stallTimer = nil
                if !context.channel.isWritable { context.close(promise: nil) }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    private func cancelStall() {
        stallTimer?.cancel()
        stallTimer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        readOutstanding = false
        switch unwrapInboundIn(data) {
        case .head:
            cancel()
            phase = .receivingBody
            windowBytes = 0
            waitedInWindow = readOutstanding
            armBody(context)
        case .body(let buffer):
            windowBytes += buffer.readableBytes
        case .end:
            cancel()
            phase = .responding
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        readOutstanding = true
        if phase == .receivingBody { waitedInWindow = true }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // A response can end before its request body was read (an early error): from now on the
            // connection waits for the next request head.
            cancel()
            phase = .awaitingHead
            armHead(context)
        }
        context.write(data, promise: promise)
    }

    private func armHead(_ context: ChannelHandlerContext) {
        guard let limit = limits.head, timer == nil else { return }
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: limit) { [self] in
            timer = nil
            if phase == .awaitingHead { context.close(promise: nil) }
        }
    }

    private func armBody(_ context: ChannelHandlerContext) {
        guard let limit = limits.body, timer == nil else { return }
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: limit) { [self] in
            timer = nil
            guard phase == .receivingBody else { return }
            if waitedInWindow && windowBytes < limits.minimumBodyBytes {
                context.close(promise: nil)
                return
            }
            windowBytes = 0
            waitedInWindow = readOutstanding
            armBody(context)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request head arrives (RFC 9110
/// §10.1.1), so clients that wait for it (curl does, for a second) start sending the body at once.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.headerFields[.expect]?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}
