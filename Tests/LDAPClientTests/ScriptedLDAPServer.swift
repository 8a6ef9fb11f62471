import NIOCore
import NIOPosix

@testable import LDAPClient

/// An in-process LDAP server whose answers come from a closure: each decoded request maps to the raw
/// bytes written back (nothing for a hung server). A closure returning `nil` closes the connection.
final class ScriptedLDAPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let respond: @Sendable (LDAPMessage) -> [UInt8]?
    private let processor = NIOSingleStepByteToMessageProcessor(LDAPMessageFramer())

    /// Creates a handler answering with `respond`.
    init(respond: @escaping @Sendable (LDAPMessage) -> [UInt8]?) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var requests: [LDAPMessage] = []
        do {
            try self.processor.process(buffer: self.unwrapInboundIn(data)) { frame in
                requests.append(try LDAPMessage(berEncoded: ArraySlice(frame.readableBytesView)))
            }
        } catch {
            context.close(promise: nil)
            return
        }
        for request in requests {
            guard let reply = self.respond(request) else {
                context.close(promise: nil)
                return
            }
            if !reply.isEmpty {
                context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(bytes: reply)), promise: nil)
            }
        }
    }
}

/// The BER bytes of several messages, concatenated.
func wire(_ messages: LDAPMessage...) -> [UInt8] {
    messages.flatMap { (try? $0.serializedBytes()) ?? [] }
}

/// Runs `body` with the port of a scripted LDAP server on loopback, closing it afterwards.
func withScriptedLDAPServer<Result>(
    _ respond: @escaping @Sendable (LDAPMessage) -> [UInt8]?,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ScriptedLDAPHandler(respond: respond))
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
