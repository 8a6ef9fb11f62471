import NIOCore

/// Frames and decodes the server's messages and hands them, in order, to the one task reading them.
///
/// Confined to the channel's event loop (the connection reaches it only through `NIOLoopBound`). After
/// garbage, an oversized PDU or the end of the connection, every further read reports that.
final class LDAPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private enum Terminal {
        case closed
        case failed(any Error)
    }

    private let processor: NIOSingleStepByteToMessageProcessor<LDAPMessageFramer>
    private let maximumQueuedMessages: Int
    private var queue = CircularBuffer<LDAPMessage>()
    private var waiting: EventLoopPromise<LDAPMessage?>?
    private var terminal: Terminal?

    /// Creates a handler; `maximumQueuedMessages` bounds what a flooding server can make it hold.
    init(maximumMessageSize: Int, maximumQueuedMessages: Int) {
        self.processor = NIOSingleStepByteToMessageProcessor(
            LDAPMessageFramer(maximumMessageSize: maximumMessageSize), maximumBufferSize: maximumMessageSize + 16
        )
        self.maximumQueuedMessages = maximumQueuedMessages
    }

    /// Whether bytes or messages arrived that nobody asked for yet (after StartTLS: plaintext injection).
    var hasUnreadData: Bool { self.processor.unprocessedBytes > 0 || !self.queue.isEmpty }

    /// The next message; `nil` once the connection ended cleanly between messages.
    func nextMessage(on eventLoop: any EventLoop) -> EventLoopFuture<LDAPMessage?> {
        if let message = self.queue.popFirst() { return eventLoop.makeSucceededFuture(message) }
        switch self.terminal {
        case .closed: return eventLoop.makeSucceededFuture(nil)
        case .failed(let error): return eventLoop.makeFailedFuture(error)
        case nil: break
        }
        let promise = eventLoop.makePromise(of: LDAPMessage?.self)
        self.waiting?.fail(ChannelError.inappropriateOperationForState)
        self.waiting = promise
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        do {
            try self.processor.process(buffer: buffer) { frame in
                self.queue.append(try LDAPMessage(berEncoded: ArraySlice(frame.readableBytesView)))
            }
            if self.queue.count > self.maximumQueuedMessages {
                throw LDAPDecodingError(reason: "the server sent more than \(self.maximumQueuedMessages) messages nobody asked for")
            }
        } catch {
            self.fail(error)
            context.close(promise: nil)
        }
        self.deliver()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(error)
        self.deliver()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if self.terminal == nil {
            do {
                try self.processor.finishProcessing(seenEOF: true) { frame in
                    self.queue.append(try LDAPMessage(berEncoded: ArraySlice(frame.readableBytesView)))
                }
                self.terminal = .closed
            } catch {
                self.terminal = .failed(error)
            }
        }
        self.deliver()
        context.fireChannelInactive()
    }

    /// Records the first failure; later ones are consequences.
    private func fail(_ error: any Error) {
        if self.terminal == nil { self.terminal = .failed(error) }
    }

    private func deliver() {
        guard let promise = self.waiting else { return }
        if let message = self.queue.popFirst() {
            self.waiting = nil
            promise.succeed(message)
            return
        }
        switch self.terminal {
        case .closed:
            self.waiting = nil
            promise.succeed(nil)
        case .failed(let error):
            self.waiting = nil
            promise.fail(error)
        case nil:
            break
        }
    }
}
