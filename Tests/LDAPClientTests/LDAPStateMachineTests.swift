import Testing

@testable import LDAPClient

/// The pure connection state machine: requests in, messages out, every refusal typed.
@Suite struct LDAPStateMachineTests {
    private func machine(security: LDAPConfiguration.Security = .startTLS, allowPlaintext: Bool = false, maximumEntries: Int = 100) -> LDAPStateMachine {
        LDAPStateMachine(
            configuration: LDAPConfiguration(
                host: "dc1.example.org", port: 389, security: security, allowBindOverPlaintext: allowPlaintext,
                maximumEntriesPerResponse: maximumEntries
            )
        )
    }

    private func sent(_ action: LDAPStateMachine.Action) -> LDAPMessage? {
        if case .send(let message) = action { return message }
        return nil
    }

    private func failure(_ action: LDAPStateMachine.Action) -> (LDAPError, Bool)? {
        if case .fail(let error, let close) = action { return (error, close) }
        return nil
    }

    private let search = LDAPSearchRequest(baseObject: "dc=example,dc=org", filter: .equal("uid", "alice"), attributes: ["mail"])

    @Test func startTLSThenBindThenSearch() throws {
        var machine = self.machine()
        let startTLS = try #require(self.sent(machine.startTLS()))
        #expect(startTLS.operation == .extendedRequest(name: LDAPMessage.startTLSOID, value: nil))
        #expect(machine.phase == .startTLS)
        let accepted = machine.messageReceived(LDAPMessage(messageID: startTLS.messageID, operation: .extendedResponse(.init(resultCode: .success), name: nil, value: nil)))
        guard case .startTLSHandshake = accepted else {
            Issue.record("expected the handshake, got \(accepted)")
            return
        }
        #expect(!machine.isReady)
        machine.tlsEstablished()
        #expect(machine.isEncrypted && machine.isReady)

        let bind = try #require(self.sent(machine.bind(name: "EXAMPLE\\svc", password: "pw")))
        #expect(bind.messageID == startTLS.messageID + 1)
        guard case .bindSucceeded = machine.messageReceived(LDAPMessage(messageID: bind.messageID, operation: .bindResponse(.init(resultCode: .success)))) else {
            Issue.record("expected the bind to succeed")
            return
        }
        #expect(machine.boundName == "EXAMPLE\\svc")

        let request = try #require(self.sent(machine.search(self.search)))
        let entry = LDAPEntry(dn: "uid=alice,dc=example,dc=org", attributes: [LDAPAttribute(type: "mail", strings: ["alice@example.org"])])
        guard case .readMore = machine.messageReceived(LDAPMessage(messageID: request.messageID, operation: .searchResultEntry(entry))),
            case .readMore = machine.messageReceived(LDAPMessage(messageID: request.messageID, operation: .searchResultReference(["ldap://other/dc=x"]))),
            case .readMore = machine.messageReceived(LDAPMessage(messageID: request.messageID, operation: .intermediateResponse(name: nil, value: nil))),
            case .searchFinished(let result) = machine.messageReceived(
                LDAPMessage(messageID: request.messageID, operation: .searchResultDone(.init(resultCode: .success)), controls: [LDAPPagedResultsControl(size: 0).control])
            )
        else {
            Issue.record("expected the search to finish")
            return
        }
        #expect(result.entries == [entry])
        #expect(result.references == [["ldap://other/dc=x"]])
        #expect(result.isComplete)
        #expect(try LDAPPagedResultsControl(from: result.controls) == LDAPPagedResultsControl(size: 0))
        #expect(machine.isReady)
    }

    @Test func refusedStartTLSClosesTheConnection() throws {
        var machine = self.machine()
        let request = try #require(self.sent(machine.startTLS()))
        let (error, close) = try #require(self.failure(machine.messageReceived(
            LDAPMessage(messageID: request.messageID, operation: .extendedResponse(.init(resultCode: .protocolError, diagnosticMessage: "unsupported"), name: nil, value: nil))
        )))
        #expect(error.kind == .startTLSRefused)
        #expect(error.result?.resultCode == .protocolError)
        #expect(close)
    }

    @Test func invalidCredentialsLeaveTheConnectionAnonymousAndCarryTheADCode() throws {
        var machine = self.machine(security: .ldaps)
        let bind = try #require(self.sent(machine.bind(name: "alice@example.org", password: "wrong")))
        let diagnostic = "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v4563"
        let (error, close) = try #require(self.failure(machine.messageReceived(
            LDAPMessage(messageID: bind.messageID, operation: .bindResponse(.init(resultCode: .invalidCredentials, diagnosticMessage: diagnostic)))
        )))
        #expect(error.kind == .invalidCredentials)
        #expect(error.activeDirectoryBindError == .invalidCredentials)
        #expect(error.phase == .bind)
        #expect(!close)
        #expect(machine.isReady)
        #expect(machine.boundName == nil)
    }

    @Test func otherBindFailuresAreBindFailed() throws {
        var machine = self.machine(security: .ldaps)
        let bind = try #require(self.sent(machine.bind(name: "cn=x", password: "y")))
        let (error, _) = try #require(self.failure(machine.messageReceived(
            LDAPMessage(messageID: bind.messageID, operation: .bindResponse(.init(resultCode: .strongerAuthRequired)))
        )))
        #expect(error.kind == .bindFailed)
    }

    @Test func emptyPasswordsAndPlaintextBindsAreRefusedBeforeSending() throws {
        var machine = self.machine(security: .plain)
        let (empty, _) = try #require(self.failure(machine.bind(name: "cn=admin", password: "")))
        #expect(empty.kind == .invalidRequest)
        let (plaintext, _) = try #require(self.failure(machine.bind(name: "cn=admin", password: "pw")))
        #expect(plaintext.kind == .plaintextBindRefused)
        #expect(machine.isReady)
        var allowed = self.machine(security: .plain, allowPlaintext: true)
        #expect(self.sent(allowed.bind(name: "cn=admin", password: "pw")) != nil)
    }

    @Test func invalidFilterAttributesAreRefusedBeforeSending() throws {
        var machine = self.machine(security: .ldaps)
        var request = self.search
        request.filter = .equal("uid)(cn=*", "x")
        let (error, _) = try #require(self.failure(machine.search(request)))
        #expect(error.kind == .invalidRequest)
        #expect(machine.isReady)
    }

    @Test func partialResultsAreReturnedButOtherCodesFail() throws {
        var machine = self.machine(security: .ldaps)
        let first = try #require(self.sent(machine.search(self.search)))
        guard case .searchFinished(let partial) = machine.messageReceived(
            LDAPMessage(messageID: first.messageID, operation: .searchResultDone(.init(resultCode: .sizeLimitExceeded)))
        ) else {
            Issue.record("a size limit gives a partial result")
            return
        }
        #expect(!partial.isComplete)
        let second = try #require(self.sent(machine.search(self.search)))
        let (error, close) = try #require(self.failure(machine.messageReceived(
            LDAPMessage(messageID: second.messageID, operation: .searchResultDone(.init(resultCode: .referral, referral: ["ldap://elsewhere/"])))
        )))
        #expect(error.kind == .operationFailed)
        #expect(error.result?.referral == ["ldap://elsewhere/"])
        #expect(!close)
    }

    @Test func wrongMessageIDsAndUnexpectedOperationsAreProtocolViolations() throws {
        var machine = self.machine(security: .ldaps)
        let request = try #require(self.sent(machine.search(self.search)))
        let (error, close) = try #require(self.failure(machine.messageReceived(
            LDAPMessage(messageID: request.messageID + 5, operation: .searchResultDone(.init(resultCode: .success)))
        )))
        #expect(error.kind == .protocolViolation)
        #expect(close)
        #expect(!machine.isReady)

        var other = self.machine(security: .ldaps)
        let bind = try #require(self.sent(other.bind(name: "cn=x", password: "y")))
        let (mismatch, _) = try #require(self.failure(other.messageReceived(
            LDAPMessage(messageID: bind.messageID, operation: .searchResultDone(.init(resultCode: .success)))
        )))
        #expect(mismatch.kind == .protocolViolation)

        var idle = self.machine()
        let (unsolicited, _) = try #require(self.failure(idle.messageReceived(LDAPMessage(messageID: 9, operation: .unbindRequest))))
        #expect(unsolicited.kind == .protocolViolation)
    }

    @Test func noticeOfDisconnectionClosesWithTheServersWords() throws {
        var machine = self.machine(security: .ldaps)
        _ = machine.search(self.search)
        let notice = LDAPMessage(
            messageID: 0,
            operation: .extendedResponse(.init(resultCode: .unavailable, diagnosticMessage: "shutting down"), name: LDAPMessage.noticeOfDisconnectionOID, value: nil)
        )
        let (error, close) = try #require(self.failure(machine.messageReceived(notice)))
        #expect(error.kind == .connectionClosed)
        #expect(error.result?.diagnosticMessage == "shutting down")
        #expect(close)
    }

    @Test func tooManyEntriesStopTheSearch() throws {
        var machine = self.machine(security: .ldaps, maximumEntries: 2)
        let request = try #require(self.sent(machine.search(self.search)))
        let entry = LDAPMessage(messageID: request.messageID, operation: .searchResultEntry(LDAPEntry(dn: "cn=x", attributes: [])))
        _ = machine.messageReceived(entry)
        _ = machine.messageReceived(entry)
        let (error, close) = try #require(self.failure(machine.messageReceived(entry)))
        #expect(error.kind == .protocolViolation)
        #expect(close)
    }

    @Test func connectionClosedMidSearchIsTyped() throws {
        var machine = self.machine(security: .ldaps)
        _ = machine.search(self.search)
        let (error, close) = try #require(self.failure(machine.connectionClosed()))
        #expect(error.kind == .connectionClosed)
        #expect(error.phase == .search)
        #expect(close)
    }

    @Test func busyConnectionRefusesASecondOperation() throws {
        var machine = self.machine(security: .ldaps)
        _ = machine.search(self.search)
        let (error, close) = try #require(self.failure(machine.search(self.search)))
        #expect(error.kind == .invalidRequest)
        #expect(!close)
        let unbind = machine.unbind()
        #expect(unbind == nil)
    }

    @Test func unbindWhenIdleThenClosed() throws {
        var machine = self.machine(security: .ldaps)
        let message = machine.unbind()
        let unbind = try #require(message)
        #expect(unbind.operation == .unbindRequest)
        #expect(!machine.isReady)
    }
}
