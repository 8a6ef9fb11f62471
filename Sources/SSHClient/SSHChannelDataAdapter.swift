import Logging
import NIOCore
import NIOSSH

/// Turns a session channel into a plain byte stream for a subsystem client such as SFTP: inbound
/// `SSHChannelData` becomes `ByteBuffer` (standard error is logged, not passed on), outbound `ByteBuffer`
/// becomes channel data.
final class SSHChannelDataAdapter: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = SSHChannelData

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = Self.unwrapInboundIn(data)
        guard case .byteBuffer(let bytes) = message.data else {
            context.fireErrorCaught(SSHUnexpectedFileRegion())
            return
        }
        if message.type == .channel {
            context.fireChannelRead(Self.wrapInboundOut(bytes))
        } else {
            // A subsystem's diagnostics: worth a debug line, never part of the byte stream.
            self.logger.debug("ssh.channel.stderr", metadata: ["ssh.stderr.text": "\(SSHText.excerpt(bytes))"])
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = Self.unwrapOutboundIn(data)
        context.write(Self.wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(bytes))), promise: promise)
    }
}

/// swift-nio-ssh delivered a file region where only bytes can arrive.
struct SSHUnexpectedFileRegion: Error {}
