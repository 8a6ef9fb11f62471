import NIOCore
import NIOSSH

/// What a command's session channel delivers, in order, until the channel closes.
enum SSHSessionOutput: Sendable {
    /// Bytes on standard output.
    case standardOutput(ByteBuffer)
    /// Bytes on standard error (extended data type 1).
    case standardError(ByteBuffer)
    /// The command's exit status (RFC 4254 §6.10).
    case exitStatus(Int)
    /// The command was killed by a signal (RFC 4254 §6.10).
    case exitSignal(name: String, message: String)
    /// The server will send no more output (SSH_MSG_CHANNEL_EOF); an exit status may still follow.
    case endOfOutput
}

/// Turns a session channel's data and requests into ``SSHSessionOutput`` for an async consumer, and outbound
/// `ByteBuffer`s into standard input. The end of output is passed on as an element rather than as the
/// half-closure event, so the async stream stays open for the exit status that may follow it.
///
/// It also drops our end of input (SSH_MSG_CHANNEL_EOF) once the server sent its own: swift-nio-ssh 0.15.1
/// (`ChildChannelStateMachine.sendChannelEOF`) wrongly treats that order as a protocol violation and fails the
/// channel, which happens whenever a command closes its output before we close its input.
final class SSHSessionOutputHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = SSHSessionOutput
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = SSHChannelData

    private var serverSentEOF = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = Self.unwrapInboundIn(data)
        guard case .byteBuffer(let bytes) = message.data else {
            context.fireErrorCaught(SSHUnexpectedFileRegion())
            return
        }
        let output: SSHSessionOutput = message.type == .channel ? .standardOutput(bytes) : .standardError(bytes)
        context.fireChannelRead(Self.wrapInboundOut(output))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        // Requests arrive outside a read burst; the async stream takes elements only at the end of one.
        case let status as SSHChannelRequestEvent.ExitStatus:
            context.fireChannelRead(Self.wrapInboundOut(.exitStatus(status.exitStatus)))
            context.fireChannelReadComplete()
        case let signal as SSHChannelRequestEvent.ExitSignal:
            context.fireChannelRead(Self.wrapInboundOut(.exitSignal(name: signal.signalName, message: signal.errorMessage)))
            context.fireChannelReadComplete()
        case let channelEvent as ChannelEvent where channelEvent == .inputClosed:
            self.serverSentEOF = true
            context.fireChannelRead(Self.wrapInboundOut(.endOfOutput))
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output, self.serverSentEOF {
            promise?.succeed()
            return
        }
        context.close(mode: mode, promise: promise)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = Self.unwrapOutboundIn(data)
        context.write(Self.wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(bytes))), promise: promise)
    }
}
