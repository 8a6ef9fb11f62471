import NIOCore
import NIOEmbedded
import NIOSSH
import Testing

@testable import SSHClient

/// The command channel's adapter, on an embedded channel: what it turns data and requests into, and the
/// workaround for swift-nio-ssh 0.15.1 failing a channel whose EOF follows the server's.
@Suite struct SSHSessionOutputHandlerTests {
    /// Records the half-closures that pass the adapter towards swift-nio-ssh.
    private final class HeadRecorder: ChannelOutboundHandler {
        typealias OutboundIn = Any

        var outputCloses = 0

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            if mode == .output {
                self.outputCloses += 1
                promise?.succeed()
            } else {
                context.close(mode: mode, promise: promise)
            }
        }
    }

    /// Records what the adapter passes on towards the async stream.
    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = SSHSessionOutput

        var outputs: [String] = []
        var readCompletes = 0
        var forwardedEvents: [String] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch Self.unwrapInboundIn(data) {
            case .standardOutput(let bytes): self.outputs.append("out:\(String(buffer: bytes))")
            case .standardError(let bytes): self.outputs.append("err:\(String(buffer: bytes))")
            case .exitStatus(let status): self.outputs.append("status:\(status)")
            case .exitSignal(let name, _): self.outputs.append("signal:\(name)")
            case .endOfOutput: self.outputs.append("eof")
            }
        }

        func channelReadComplete(context: ChannelHandlerContext) { self.readCompletes += 1 }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) { self.forwardedEvents.append("\(event)") }
    }

    private func channel() throws -> (EmbeddedChannel, head: HeadRecorder, tail: Recorder) {
        let head = HeadRecorder()
        let tail = Recorder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([head, SSHSessionOutputHandler(), tail])
        return (channel, head, tail)
    }

    /// Both streams, the exit status (followed by a read-complete, or an async stream would hold it back) and the
    /// end of output arrive as elements; the end of output is not passed on as half-closure.
    @Test func turnsDataAndRequestsIntoElements() throws {
        let (channel, _, tail) = try self.channel()
        try channel.writeInbound(SSHChannelData(type: .channel, data: .byteBuffer(ByteBuffer(string: "hello"))))
        try channel.writeInbound(SSHChannelData(type: .stdErr, data: .byteBuffer(ByteBuffer(string: "oops"))))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        let completesBefore = tail.readCompletes
        channel.pipeline.fireUserInboundEventTriggered(SSHChannelRequestEvent.ExitStatus(exitStatus: 7))
        #expect(tail.outputs == ["out:hello", "err:oops", "eof", "status:7"])
        #expect(tail.readCompletes == completesBefore + 1)
        #expect(tail.forwardedEvents.isEmpty)
    }

    /// Our EOF goes out while the server's has not come, and is dropped once it has.
    @Test func dropsOurEOFAfterTheServers() throws {
        let (channel, head, _) = try self.channel()
        try channel.close(mode: .output).wait()
        #expect(head.outputCloses == 1)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        try channel.close(mode: .output).wait()
        #expect(head.outputCloses == 1, "the second EOF, after the server's, never reaches swift-nio-ssh")
    }
}
