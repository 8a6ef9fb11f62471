import Testing

@testable import SMTPClient

/// The pure session state machine, one line per protocol step.
@Suite struct SMTPStateMachineTests {
    private static let ehloFull = SMTPReply(code: 250, lines: ["mx.example.org", "SIZE 1000", "8BITMIME", "STARTTLS", "AUTH PLAIN LOGIN"])
    private static let ehloAfterTLS = SMTPReply(code: 250, lines: ["mx.example.org", "SIZE 1000", "8BITMIME", "AUTH PLAIN LOGIN"])

    private func machine(
        security: SMTPConfiguration.Security = .plain,
        credentials: SMTPConfiguration.Credentials? = nil,
        allowAuthOverPlaintext: Bool = false,
        to: [String] = ["b@example.org"],
        message: String = "Subject: t\r\n\r\nbody\r\n"
    ) -> SMTPStateMachine {
        let configuration = SMTPConfiguration(
            host: "mx.example.org", port: 587, security: security, credentials: credentials,
            allowAuthOverPlaintext: allowAuthOverPlaintext, ehloName: "client.example.org"
        )
        return SMTPStateMachine(
            configuration: configuration,
            envelope: SMTPEnvelope(from: "a@example.org", to: to),
            message: SMTPMessageData(Array(message.utf8))
        )
    }

    @Test func plainSessionRunsGreetingToQuit() throws {
        var machine = self.machine()
        #expect(machine.phase == .greeting)
        try expectSend(machine.replyReceived(SMTPReply(code: 220, "ready")), .ehlo("client.example.org"))
        try expectSend(machine.replyReceived(SMTPReply(code: 250, lines: ["mx", "SIZE 1000"])), .mail(from: "a@example.org", parameters: ["SIZE=20"]))
        try expectSend(machine.replyReceived(SMTPReply(code: 250, "OK")), .rcpt(to: "b@example.org"))
        try expectSend(machine.replyReceived(SMTPReply(code: 250, "OK")), .data)
        guard case .sendMessage = machine.replyReceived(SMTPReply(code: 354, "go")) else { throw Unexpected() }
        #expect(machine.phase == .dataTermination)
        try expectSend(machine.replyReceived(SMTPReply(code: 250, "queued")), .quit)
        guard case .finish(let result) = machine.replyReceived(SMTPReply(code: 221, "bye")) else { throw Unexpected() }
        #expect(result.accepted.map(\.address) == ["b@example.org"])
        #expect(result.rejected.isEmpty)
        #expect(result.dataReply == SMTPReply(code: 250, "queued"))
    }

    @Test func heloFallbackAfterEHLORejection() throws {
        var machine = self.machine()
        try expectSend(machine.replyReceived(SMTPReply(code: 220, "ready")), .ehlo("client.example.org"))
        try expectSend(machine.replyReceived(SMTPReply(code: 502, "5.5.1 EHLO not implemented")), .helo("client.example.org"))
        #expect(machine.phase == .helo)
        try expectSend(machine.replyReceived(SMTPReply(code: 250, "hello")), .mail(from: "a@example.org", parameters: []))
        #expect(machine.capabilities == .none)
    }

    @Test func heloFallbackCannotSatisfyRequiredStartTLS() throws {
        var machine = self.machine(security: .startTLSRequired)
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        try expectSend(machine.replyReceived(SMTPReply(code: 500, "unknown")), .helo("client.example.org"))
        let error = try expectFail(machine.replyReceived(SMTPReply(code: 250, "hello")))
        #expect(error.kind == .startTLSUnavailable)
    }

    @Test func temporaryEHLOFailureDoesNotFallBack() throws {
        var machine = self.machine()
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        let error = try expectFail(machine.replyReceived(SMTPReply(code: 421, "closing")))
        #expect(error.kind == .rejected)
        #expect(!error.isPermanent)
    }

    @Test func startTLSRequiredThenReEHLOThenAuthPlain() throws {
        var machine = self.machine(security: .startTLSRequired, credentials: .init(username: "user", password: "pass"))
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        try expectSend(machine.replyReceived(Self.ehloFull), .startTLS)
        guard case .startTLSHandshake = machine.replyReceived(SMTPReply(code: 220, "go ahead")) else { throw Unexpected() }
        #expect(machine.phase == .tlsHandshake)
        try expectSend(machine.tlsEstablished(), .ehlo("client.example.org"))
        #expect(machine.isEncrypted)
        try expectSend(machine.replyReceived(Self.ehloAfterTLS), .auth(mechanism: "PLAIN", initialResponse: "AHVzZXIAcGFzcw=="))
        try expectSend(machine.replyReceived(SMTPReply(code: 235, "2.7.0 ok")), .mail(from: "a@example.org", parameters: ["SIZE=20"]))
    }

    @Test func startTLSRequiredButNotOffered() throws {
        var machine = self.machine(security: .startTLSRequired)
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        let action = machine.replyReceived(SMTPReply(code: 250, lines: ["mx", "8BITMIME"]))
        guard case .fail(let error, let sendQuit) = action else { throw Unexpected() }
        #expect(error.kind == .startTLSUnavailable)
        #expect(error.isPermanent)
        #expect(sendQuit)
    }

    @Test func opportunisticStartTLSRefusalContinuesInPlaintext() throws {
        var machine = self.machine(security: .startTLSIfAvailable)
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        try expectSend(machine.replyReceived(Self.ehloFull), .startTLS)
        try expectSend(machine.replyReceived(SMTPReply(code: 454, "TLS not available")), .mail(from: "a@example.org", parameters: ["SIZE=20"]))
    }

    @Test func opportunisticStartTLSSkippedWhenNotOffered() throws {
        var machine = self.machine(security: .startTLSIfAvailable)
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        try expectSend(machine.replyReceived(Self.ehloAfterTLS), .mail(from: "a@example.org", parameters: ["SIZE=20"]))
    }

    @Test func authIsRefusedOverPlaintextUnlessAllowed() throws {
        var machine = self.machine(credentials: .init(username: "user", password: "pass"))
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        let error = try expectFail(machine.replyReceived(Self.ehloAfterTLS))
        #expect(error.kind == .plaintextAuthRefused)
        #expect(error.phase == .auth)

        var allowed = self.machine(credentials: .init(username: "user", password: "pass"), allowAuthOverPlaintext: true)
        _ = allowed.replyReceived(SMTPReply(code: 220, "ready"))
        try expectSend(allowed.replyReceived(Self.ehloAfterTLS), .auth(mechanism: "PLAIN", initialResponse: "AHVzZXIAcGFzcw=="))
    }

    @Test func authLoginWhenOnlyLoginIsOffered() throws {
        var machine = self.machine(security: .implicitTLS, credentials: .init(username: "user", password: "pass"))
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        try expectSend(machine.replyReceived(SMTPReply(code: 250, lines: ["mx", "AUTH LOGIN"])), .auth(mechanism: "LOGIN", initialResponse: nil))
        try expectSend(machine.replyReceived(SMTPReply(code: 334, "VXNlcm5hbWU6")), .authResponse("dXNlcg=="))
        try expectSend(machine.replyReceived(SMTPReply(code: 334, "UGFzc3dvcmQ6")), .authResponse("cGFzcw=="))
        try expectSend(machine.replyReceived(SMTPReply(code: 235, "ok")), .mail(from: "a@example.org", parameters: []))
    }

    @Test func wrongCredentialsAreAPermanentAuthFailure() throws {
        var machine = self.machine(security: .implicitTLS, credentials: .init(username: "user", password: "wrong"))
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        _ = machine.replyReceived(Self.ehloAfterTLS)
        let error = try expectFail(machine.replyReceived(SMTPReply(code: 535, "5.7.8 Authentication credentials invalid")))
        #expect(error.kind == .authFailed)
        #expect(error.isPermanent)
        #expect(!error.description.contains("wrong"))
    }

    @Test func noUsableMechanism() throws {
        var machine = self.machine(security: .implicitTLS, credentials: .init(username: "user", password: "pass"))
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        let error = try expectFail(machine.replyReceived(SMTPReply(code: 250, lines: ["mx", "AUTH CRAM-MD5"])))
        #expect(error.kind == .authUnavailable)
    }

    @Test func someRecipientsRejectedStillDelivers() throws {
        var machine = self.machine(to: ["a1@example.org", "reject@example.org", "a2@example.org"])
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        _ = machine.replyReceived(SMTPReply(code: 250, "mx"))
        try expectSend(machine.replyReceived(SMTPReply(code: 250, "ok")), .rcpt(to: "a1@example.org"))
        try expectSend(machine.replyReceived(SMTPReply(code: 250, "ok")), .rcpt(to: "reject@example.org"))
        try expectSend(machine.replyReceived(SMTPReply(code: 550, "5.1.1 no such user")), .rcpt(to: "a2@example.org"))
        try expectSend(machine.replyReceived(SMTPReply(code: 251, "will forward")), .data)
        _ = machine.replyReceived(SMTPReply(code: 354, "go"))
        _ = machine.replyReceived(SMTPReply(code: 250, "queued"))
        guard case .finish(let result) = machine.connectionClosed() else { throw Unexpected() }
        #expect(result.accepted.map(\.address) == ["a1@example.org", "a2@example.org"])
        #expect(result.rejected.map(\.address) == ["reject@example.org"])
        #expect(result.rejected.first?.reply.code == 550)
        #expect(result.rejected.first?.isPermanentFailure == true)
    }

    @Test func allRecipientsRejectedFails() throws {
        var machine = self.machine(to: ["x@example.org", "y@example.org"])
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        _ = machine.replyReceived(SMTPReply(code: 250, "mx"))
        _ = machine.replyReceived(SMTPReply(code: 250, "ok"))
        _ = machine.replyReceived(SMTPReply(code: 450, "4.2.1 try later"))
        let error = try expectFail(machine.replyReceived(SMTPReply(code: 550, "5.1.1 unknown")))
        #expect(error.kind == .allRecipientsRejected)
        #expect(error.rejectedRecipients.map(\.reply.code) == [450, 550])
    }

    @Test func oversizedMessageFailsBeforeMail() throws {
        var machine = self.machine(message: String(repeating: "x", count: 990) + "\r\n" + String(repeating: "y", count: 100))
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        let error = try expectFail(machine.replyReceived(SMTPReply(code: 250, lines: ["mx", "SIZE 1000"])))
        #expect(error.kind == .messageTooLarge)
        #expect(error.phase == .mail)
        #expect(error.isPermanent)
    }

    @Test func greetingRejectionAndGarbage() throws {
        var refused = self.machine()
        let error = try expectFail(refused.replyReceived(SMTPReply(code: 554, "no service")))
        #expect(error.kind == .rejected && error.phase == .greeting && error.isPermanent)

        var odd = self.machine()
        let oddError = try expectFail(odd.replyReceived(SMTPReply(code: 250, "not a greeting")))
        #expect(oddError.kind == .protocolViolation)
    }

    @Test func dataAndMessageRejections() throws {
        var machine = self.machine()
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        _ = machine.replyReceived(SMTPReply(code: 250, "mx"))
        _ = machine.replyReceived(SMTPReply(code: 250, "ok"))
        _ = machine.replyReceived(SMTPReply(code: 250, "ok"))
        _ = machine.replyReceived(SMTPReply(code: 354, "go"))
        let error = try expectFail(machine.replyReceived(SMTPReply(code: 452, "4.3.1 insufficient storage")))
        #expect(error.kind == .rejected && error.phase == .dataTermination && !error.isPermanent)
    }

    @Test func closeBeforeTheEndIsAnError() throws {
        var machine = self.machine()
        _ = machine.replyReceived(SMTPReply(code: 220, "ready"))
        guard case .fail(let error, let sendQuit) = machine.connectionClosed() else { throw Unexpected() }
        #expect(error.kind == .connectionClosed && !error.isPermanent && !sendQuit)
    }
}

/// A step produced an action other than the one the test expected.
struct Unexpected: Error {}

/// Expects `.send(command)`.
func expectSend(_ action: SMTPStateMachine.Action, _ command: SMTPCommand, sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard case .send(let sent) = action else {
        Issue.record("expected send(\(command)), got \(action)", sourceLocation: sourceLocation)
        throw Unexpected()
    }
    #expect(sent == command, sourceLocation: sourceLocation)
}

/// Expects `.fail(error, _)` and returns the error.
func expectFail(_ action: SMTPStateMachine.Action, sourceLocation: SourceLocation = #_sourceLocation) throws -> SMTPError {
    guard case .fail(let error, _) = action else {
        Issue.record("expected fail, got \(action)", sourceLocation: sourceLocation)
        throw Unexpected()
    }
    return error
}
