import Logging
import NIOCore
import NIOSSH

/// The last handler of the connection's pipeline: completes the handshake promise when user authentication
/// succeeds, and on any error records it and closes the connection (swift-nio-ssh only reports errors).
final class SSHConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Any

    private let authenticated: EventLoopPromise<Void>
    private let state: SSHConnectionState
    private let logger: Logger
    private var isAuthenticated = false

    init(authenticated: EventLoopPromise<Void>, state: SSHConnectionState, logger: Logger) {
        self.authenticated = authenticated
        self.state = state
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is UserAuthSuccessEvent:
            self.isAuthenticated = true
            self.authenticated.succeed()
        case let banner as NIOUserAuthBannerEvent:
            self.logger.debug("ssh.auth.banner", metadata: ["ssh.banner.length": "\(banner.message.utf8.count)"])
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.state.recordError(error)
        self.logger.debug("ssh.connection.error", metadata: ["ssh.error": "\(String(describing: error))"])
        self.authenticated.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.logger.debug("ssh.connection.closed")
        self.authenticated.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.authenticated.fail(ChannelError.eof)
    }
}
