import NIOCore
import NIOPosix

/// An in-process SMTP server that answers each command line from a fixed script.
///
/// `responses` maps an upper-cased command verb (`EHLO`, `STARTTLS`, …) to the raw bytes written
/// back in one write; `greeting` is written on connect. After a 354 reply to DATA, message lines
/// are swallowed until the lone `.`, which is answered with `responses["."]`. A verb without a
/// scripted reply (and a missing `"."`) gets no answer at all, like a hung server.
final class ScriptedSMTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let greeting: String
    private let responses: [String: String]
    private var buffered = ""
    private var inData = false

    /// Creates a handler with a greeting and per-verb replies.
    init(greeting: String, responses: [String: String]) {
        self.greeting = greeting
        self.responses = responses
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: self.greeting)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.buffered += String(buffer: self.unwrapInboundIn(data))
        while let end = self.buffered.firstRange(of: "\r\n") {
            let line = String(self.buffered[..<end.lowerBound])
            self.buffered.removeSubrange(..<end.upperBound)
            let key: String
            if self.inData {
                guard line == "." else { continue }
                self.inData = false
                key = "."
            } else {
                key = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
            }
            guard let reply = self.responses[key] else { continue }
            if key == "DATA" && reply.hasPrefix("354") { self.inData = true }
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
        }
    }
}

/// Runs `body` with the port of a scripted server on loopback, closing it afterwards.
func withScriptedSMTPServer<Result>(
    greeting: String = "220 scripted ESMTP\r\n",
    responses: [String: String],
    _ body: (Int) async throws -> Result
) async throws -> Result {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ScriptedSMTPHandler(greeting: greeting, responses: responses))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
    do {
        let result = try await body(server.localAddress?.port ?? 0)
        try await server.close()
        return result
    } catch {
        try? await server.close()
        throw error
    }
}
