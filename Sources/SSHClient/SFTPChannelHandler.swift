import Logging
import NIOCore

/// The NIO side of an SFTP session: frames and parses the server's packets, writes requests, and completes each
/// request's promise when its reply arrives or its deadline passes, as ``SFTPStateMachine`` decides.
///
/// Lives on the channel's event loop; ``SFTPClient`` reaches it through `NIOLoopBound`.
final class SFTPChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What VERSION said: the protocol version and the extensions by name.
    typealias ServerVersion = (version: UInt32, extensions: [String: String])

    private let eventLoop: any EventLoop
    private let requestTimeout: Duration
    private let logger: Logger
    private var stateMachine = SFTPStateMachine()
    private let processor = NIOSingleStepByteToMessageProcessor(SFTPPacketDecoder())
    private var context: ChannelHandlerContext?
    private var handshake: (promise: EventLoopPromise<ServerVersion>, deadline: Scheduled<Void>)?
    private var requests: [UInt32: (promise: EventLoopPromise<SFTPResponse>, deadline: Scheduled<Void>)] = [:]

    /// Creates a handler for a channel on `eventLoop`; every request gets `requestTimeout`.
    init(eventLoop: any EventLoop, requestTimeout: Duration, logger: Logger) {
        self.eventLoop = eventLoop
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.apply(self.stateMachine.channelClosed("the SFTP handler was removed from the channel"))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.apply(self.stateMachine.channelClosed("the channel closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.apply(self.stateMachine.channelClosed("the channel failed", underlying: error))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed = self.stateMachine.state { return }
        do {
            try self.processor.process(buffer: self.unwrapInboundIn(data)) { response in
                self.apply(self.stateMachine.receive(response))
            }
        } catch {
            let violation = error as? SFTPError ?? .protocolViolation("the server's data could not be framed (\(error))")
            self.apply(self.stateMachine.decodingFailed(violation))
        }
    }

    /// Sends INIT; the future completes with VERSION's contents.
    func start() -> EventLoopFuture<ServerVersion> {
        let promise = self.eventLoop.makePromise(of: ServerVersion.self)
        switch self.stateMachine.start() {
        case .fail(let error):
            promise.fail(error)
        case .sendInit:
            guard let context = self.context else {
                promise.fail(SFTPError.closed("the SFTP handler is not in a channel"))
                return promise.futureResult
            }
            let limit = self.requestTimeout
            let deadline = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limit)) {
                self.apply(self.stateMachine.handshakeTimedOut(after: limit))
            }
            self.handshake = (promise, deadline)
            self.write(SFTPRequest.encodeInit(allocator: context.channel.allocator), data: nil, context: context)
        }
        return promise.futureResult
    }

    /// Sends `request` under a new id; the future completes with the reply (a STATUS or the request's success
    /// type) or fails with an ``SFTPError``.
    func send(_ request: SFTPRequest) -> EventLoopFuture<SFTPResponse> {
        let promise = self.eventLoop.makePromise(of: SFTPResponse.self)
        switch self.stateMachine.send(request.kind, path: request.path) {
        case .fail(let error):
            promise.fail(error)
        case .send(let id):
            guard let context = self.context else {
                // Unreachable while the state machine is ready: removal closes the session.
                promise.fail(SFTPError.closed("the SFTP handler is not in a channel", request: request.kind))
                return promise.futureResult
            }
            let limit = self.requestTimeout
            let deadline = self.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limit)) {
                self.apply(self.stateMachine.timedOut(id: id, after: limit))
            }
            self.requests[id] = (promise, deadline)
            let packet = request.encode(id: id, allocator: context.channel.allocator)
            self.write(packet.head, data: packet.data, context: context)
        }
        return promise.futureResult
    }

    /// Ends the session: pending requests fail as closed, and the channel closes.
    func shutdown() {
        self.apply(self.stateMachine.channelClosed("the client shut the session down"))
        self.context?.close(promise: nil)
    }

    /// Writes one packet (head, then data without copying) and flushes; a failed write ends the session.
    private func write(_ head: ByteBuffer, data: ByteBuffer?, context: ChannelHandlerContext) {
        let written = self.eventLoop.makePromise(of: Void.self)
        if let data {
            context.write(self.wrapOutboundOut(head), promise: nil)
            context.writeAndFlush(self.wrapOutboundOut(data), promise: written)
        } else {
            context.writeAndFlush(self.wrapOutboundOut(head), promise: written)
        }
        written.futureResult.assumeIsolated().whenFailure { error in
            self.apply(self.stateMachine.channelClosed("writing to the channel failed", underlying: error))
        }
    }

    /// Carries out what the state machine decided.
    private func apply(_ action: SFTPStateMachine.ReceiveAction) {
        switch action {
        case .versionReceived(let version, let extensions):
            guard let handshake = self.handshake else { return }
            self.handshake = nil
            handshake.deadline.cancel()
            handshake.promise.succeed((version, extensions))
        case .complete(let id, let response):
            guard let request = self.requests.removeValue(forKey: id) else { return }
            request.deadline.cancel()
            request.promise.succeed(response)
        case .failAndClose(let handshakeError, let failures):
            if case .closed(let cause) = self.stateMachine.state {
                self.logger.debug(
                    "SFTP session ended",
                    metadata: ["sftp.reason": "\(cause.kind)", "sftp.pending": "\(failures.count)"]
                )
            }
            if let handshake = self.handshake {
                self.handshake = nil
                handshake.deadline.cancel()
                handshake.promise.fail(handshakeError ?? SFTPError.closed("the session ended during the handshake"))
            }
            for failure in failures {
                guard let request = self.requests.removeValue(forKey: failure.id) else { continue }
                request.deadline.cancel()
                request.promise.fail(failure.error)
            }
            self.context?.close(promise: nil)
        case .ignore:
            break
        }
    }
}
