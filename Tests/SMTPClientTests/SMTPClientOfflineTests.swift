import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import SMTPClient

/// Failures that need no mail server: refused connections and silent servers.
@Suite struct SMTPClientOfflineTests {
    private let logger = Logger(label: "sealdrop.smtp.tests")
    private let envelope = SMTPEnvelope(from: "a@example.org", to: ["b@example.org"])

    /// Binds an ephemeral loopback port, runs `body` with it, closes the listener afterwards.
    ///
    /// The listener accepts connections and never writes, like a hung server.
    private func withSilentServer<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let result = try await body(try #require(server.localAddress?.port))
            try await server.close()
            return result
        } catch {
            try? await server.close()
            throw error
        }
    }

    @Test func connectionRefusedIsATemporaryConnectFailure() async throws {
        // Bind and close again, so the port is known to be free.
        let port = try await self.withSilentServer { $0 }
        let client = SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: port, security: .plain), logger: self.logger)
        let error = try await #require(throws: SMTPError.self) { try await client.send(self.envelope, message: Array("x".utf8)) }
        #expect(error.kind == .connectFailed)
        #expect(!error.isPermanent)
        #expect(error.phase == .connect)
        #expect(error.description.contains("127.0.0.1:\(port)"))
    }

    @Test func silentServerTimesOutWaitingForTheGreeting() async throws {
        try await self.withSilentServer { port in
            var timeouts = SMTPConfiguration.Timeouts.uniform(.seconds(30))
            timeouts.greeting = .milliseconds(300)
            let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .plain, timeouts: timeouts)
            let client = SMTPClient(configuration: configuration, logger: self.logger)
            // No time limit in the test: the phase shows it was the greeting timer (every other one is 30 s) that fired.
            let error = try await #require(throws: SMTPError.self) { try await client.send(self.envelope, message: Array("x".utf8)) }
            #expect(error.kind == .timeout)
            #expect(error.phase == .greeting)
            #expect(!error.isPermanent)
        }
    }

    @Test func silentImplicitTLSServerTimesOutInTheHandshake() async throws {
        try await self.withSilentServer { port in
            var timeouts = SMTPConfiguration.Timeouts.uniform(.seconds(30))
            timeouts.tlsHandshake = .milliseconds(300)
            let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .implicitTLS, timeouts: timeouts)
            let client = SMTPClient(configuration: configuration, logger: self.logger)
            let error = try await #require(throws: SMTPError.self) { try await client.send(self.envelope, message: Array("x".utf8)) }
            #expect(error.kind == .timeout)
            #expect(error.phase == .tlsHandshake)
        }
    }

    @Test func missingTrustBundleFailsClearly() async throws {
        let configuration = SMTPConfiguration(
            host: "127.0.0.1", port: 1, security: .implicitTLS, trustRoots: .system(plus: "/nonexistent/ca.pem")
        )
        let client = SMTPClient(configuration: configuration, logger: self.logger)
        let error = try await #require(throws: SMTPError.self) { try await client.send(self.envelope, message: Array("x".utf8)) }
        #expect(error.kind == .tlsFailed)
        #expect(error.description.contains("/nonexistent/ca.pem"))
    }

    @Test func invalidEnvelopeFailsBeforeConnecting() async throws {
        let client = SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: 1, security: .plain), logger: self.logger)
        let error = try await #require(throws: SMTPError.self) {
            try await client.send(SMTPEnvelope(from: "a@example.org\r\nRSET", to: ["b@example.org"]), message: [])
        }
        #expect(error.kind == .invalidMessage)
    }

    @Test func dataInjectedAfterStartTLSIsAProtocolViolation() async throws {
        // CVE-2011-0411 class: plaintext sent after "220" must not be read as if it came over TLS.
        let responses = ["EHLO": "250-scripted\r\n250 STARTTLS\r\n", "STARTTLS": "220 go ahead\r\n250 injected\r\n"]
        try await withScriptedSMTPServer(responses: responses) { port in
            let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .startTLSRequired, timeouts: .uniform(.seconds(60)))
            let client = SMTPClient(configuration: configuration, logger: self.logger)
            let error = try await #require(throws: SMTPError.self) { try await client.send(self.envelope, message: Array("x".utf8)) }
            #expect(error.kind == .protocolViolation)
            #expect(error.phase == .startTLS)
        }
    }

    @Test func malformedReplyIsAProtocolViolation() async throws {
        try await withScriptedSMTPServer(greeting: "220 ok\r\n", responses: ["EHLO": "250-one\r\n999 two\r\n"]) { port in
            let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .plain, timeouts: .uniform(.seconds(60)))
            let client = SMTPClient(configuration: configuration, logger: self.logger)
            let error = try await #require(throws: SMTPError.self) { try await client.send(self.envelope, message: Array("x".utf8)) }
            #expect(error.kind == .protocolViolation)
            #expect(error.phase == .ehlo)
        }
    }

    @Test func busyGreetingIsTemporary() async throws {
        // A 421 greeting is the classic "too busy, come back later".
        try await withScriptedSMTPServer(greeting: "421 4.3.2 too busy\r\n", responses: [:]) { port in
            let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .plain, timeouts: .uniform(.seconds(60)))
            let client = SMTPClient(configuration: configuration, logger: self.logger)
            let error = try await #require(throws: SMTPError.self) { try await client.send(self.envelope, message: Array("x".utf8)) }
            #expect(error.kind == .rejected)
            #expect(error.phase == .greeting)
            #expect(!error.isPermanent)
        }
    }

    @Test func silenceAfterQuitStillReportsDelivery() async throws {
        let responses = [
            "EHLO": "250 scripted\r\n", "MAIL": "250 ok\r\n", "RCPT": "250 ok\r\n",
            "DATA": "354 go\r\n", ".": "250 2.0.0 queued\r\n",
        ]
        try await withScriptedSMTPServer(responses: responses) { port in
            // Only QUIT gets a short limit: the phases before it must not time out on a loaded machine.
            let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .plain, timeouts: .init(quit: .milliseconds(500)))
            let client = SMTPClient(configuration: configuration, logger: self.logger)
            let accepted = Counter()
            let result = try await client.send(self.envelope, message: Array("Subject: x\r\n\r\n.\r\nbody\r\n".utf8),
                                               whenAccepted: { accepted.increment() })
            #expect(result.accepted.map(\.address) == ["b@example.org"])
            #expect(result.dataReply.enhancedStatusCode == "2.0.0")
            // Told once that the message is the server's, although the session then ended without a reply to QUIT.
            #expect(accepted.value == 1)
        }
    }

    @Test func silenceAfterDataTimesOutInDataTermination() async throws {
        let responses = ["EHLO": "250 scripted\r\n", "MAIL": "250 ok\r\n", "RCPT": "250 ok\r\n", "DATA": "354 go\r\n"]
        try await withScriptedSMTPServer(responses: responses) { port in
            // The phases before DATA get 120 s: a full parallel run once kept the scripted server's 354 waiting over 30 s.
            var timeouts = SMTPConfiguration.Timeouts.uniform(.seconds(120))
            timeouts.dataTermination = .milliseconds(300)
            let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .plain, timeouts: timeouts)
            let client = SMTPClient(configuration: configuration, logger: self.logger)
            let accepted = Counter()
            let error = try await #require(throws: SMTPError.self) {
                try await client.send(self.envelope, message: Array("x".utf8), whenAccepted: { accepted.increment() })
            }
            #expect(error.kind == .timeout)
            #expect(error.phase == .dataTermination)
            #expect(accepted.value == 0)
            #expect(!error.isPermanent)
        }
    }
}

/// Counts calls from any task.
private final class Counter: Sendable {
    private let state = Mutex(0)
    var value: Int { state.withLock { $0 } }
    func increment() { state.withLock { $0 += 1 } }
}
