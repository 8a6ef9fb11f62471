import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import SSHClient

/// Connection failures that need no SSH server: nothing listening, a listener that never speaks, a server that
/// speaks something else, and configurations that cannot work.
@Suite(.timeLimit(.minutes(1))) // A broken deadline fails here instead of hanging the run.
struct SSHConnectionOfflineTests {
    private func configuration(port: Int, authenticationTimeout: Duration = .seconds(1)) -> SSHClientConfiguration {
        SSHClientConfiguration(
            host: "127.0.0.1", port: port, username: "nobody", authentication: .password("unused"), hostKey: .reportOnly,
            connectTimeout: .seconds(5), authenticationTimeout: authenticationTimeout, requestTimeout: .seconds(5)
        )
    }

    /// A TCP listener that accepts and says nothing ends in a handshake timeout, not a hang.
    @Test func silentListenerTimesOut() async throws {
        try await withTCPListener(greeting: nil) { port in
            let started = ContinuousClock.now
            let error = await #expect(throws: SSHError.self) {
                try await SSHConnection.connect(self.configuration(port: port), logger: sshTestLogger())
            }
            #expect(error?.kind == .timeout(.handshake))
            #expect(error?.description.contains("127.0.0.1:\(port)") == true)
            #expect(error?.message.contains("sent no SSH identification") == true)
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    /// A listener that greets like SSH and then goes quiet times out in the key exchange, named as such.
    @Test func serverThatStallsAfterItsVersionTimesOut() async throws {
        try await withTCPListener(greeting: "SSH-2.0-Stalled_1.0\r\n") { port in
            let error = await #expect(throws: SSHError.self) {
                try await SSHConnection.connect(self.configuration(port: port), logger: sshTestLogger())
            }
            #expect(error?.kind == .timeout(.handshake))
            #expect(error?.message.contains("key exchange and login did not finish") == true)
        }
    }

    /// A server that hangs up after its version line is reported as a closed connection during the handshake.
    @Test func serverThatHangsUpIsReported() async throws {
        try await withTCPListener(greeting: "SSH-2.0-HangsUp_1.0\r\n", closeAfterGreeting: true) { port in
            let error = await #expect(throws: SSHError.self) {
                try await SSHConnection.connect(self.configuration(port: port, authenticationTimeout: .seconds(10)), logger: sshTestLogger())
            }
            #expect(error?.kind == .closed)
            #expect(error?.step == .handshake)
        }
    }

    /// Nothing listening: a connect error naming the endpoint.
    @Test func refusedConnectionIsAConnectError() async throws {
        let port = try await withTCPListener(greeting: nil) { $0 }
        let error = await #expect(throws: SSHError.self) {
            try await SSHConnection.connect(self.configuration(port: port), logger: sshTestLogger())
        }
        #expect(error?.kind == .connect)
        #expect(error?.step == .connect)
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
    }

    /// A configuration that cannot work fails before any connection, with one line saying why.
    @Test func invalidConfigurationsAreRefused() async throws {
        var configuration = self.configuration(port: 0)
        let badPort = await #expect(throws: SSHError.self) { try await SSHConnection.connect(configuration, logger: sshTestLogger()) }
        #expect(badPort?.kind == .invalidConfiguration)
        #expect(badPort?.message == "the port 0 is not between 1 and 65535")
        configuration.port = 22
        configuration.authentication = .password("")
        let emptyPassword = await #expect(throws: SSHError.self) { try await SSHConnection.connect(configuration, logger: sshTestLogger()) }
        #expect(emptyPassword?.message == "the password is empty")
    }
}

/// Writes `greeting` (if any) to each connection, then says nothing (or hangs up).
private final class GreetingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let greeting: String?
    private let closeAfterGreeting: Bool

    init(greeting: String?, closeAfterGreeting: Bool) {
        self.greeting = greeting
        self.closeAfterGreeting = closeAfterGreeting
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let greeting else { return }
        context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
        if self.closeAfterGreeting { context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Runs `body` with the port of a loopback listener that accepts connections and only writes `greeting`.
func withTCPListener<Result>(
    greeting: String?,
    closeAfterGreeting: Bool = false,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(GreetingHandler(greeting: greeting, closeAfterGreeting: closeAfterGreeting))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
    let port = try #require(server.localAddress?.port)
    do {
        let result = try await body(port)
        try await server.close()
        return result
    } catch {
        try? await server.close()
        throw error
    }
}
