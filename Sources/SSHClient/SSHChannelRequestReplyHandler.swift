import NIOCore
import NIOSSH

/// The server refused a channel request (SSH_MSG_CHANNEL_FAILURE, RFC 4254 §5.4).
struct SSHChannelRequestRefused: Error {}

/// Completes a promise with the server's answer to the one `want reply` request a session channel makes (its
/// subsystem or command); the channel closing first fails it.
final class SSHChannelRequestReplyHandler: ChannelInboundHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any

    private let reply: EventLoopPromise<Void>

    init(reply: EventLoopPromise<Void>) {
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelSuccessEvent: self.reply.succeed()
        case is ChannelFailureEvent: self.reply.fail(SSHChannelRequestRefused())
        default: context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.reply.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.reply.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.reply.fail(ChannelError.eof)
    }
}
