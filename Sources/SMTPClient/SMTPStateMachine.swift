/// The client side of one SMTP mail transaction, as a pure value: replies in, actions out.
///
/// ```
/// greeting ─220→ EHLO ─250→ [STARTTLS ─220→ handshake → EHLO ─250→] [AUTH …─235→]
///          MAIL ─250→ RCPT × n → DATA ─354→ message ─250→ QUIT ─221→ finished
///          EHLO ─5xx→ HELO ─250→ (no extensions)
/// ```
/// No I/O happens here: the façade performs each ``Action`` and reports what the server said.
/// Failures are returned as ``Action/fail(_:sendQuit:)`` values.
struct SMTPStateMachine {
    /// What the façade must do next.
    enum Action {
        /// Write the command, then wait for its reply (timeout of the command's phase).
        case send(SMTPCommand)
        /// Start TLS on the connection, then call ``tlsEstablished()``.
        case startTLSHandshake
        /// Write ``SMTPMessageData/wireBytes``, then wait for the reply (data termination timeout).
        case sendMessage
        /// Done; the message was accepted for these recipients. Close the connection.
        case finish(SMTPDeliveryResult)
        /// Give up; optionally send QUIT first (the server is still in a sane state), then close.
        case fail(SMTPError, sendQuit: Bool)
    }

    private enum State {
        case awaitingGreeting
        case ehlo
        case helo
        case startTLS
        case tlsHandshake
        case authPlain
        case authLoginUsername
        case authLoginPassword
        case authLoginDone
        case mail
        case rcpt(index: Int)
        case data
        case dataTermination
        case quit(SMTPDeliveryResult)
        case finished
        case failed
    }

    private let configuration: SMTPConfiguration
    private let envelope: SMTPEnvelope
    private let message: SMTPMessageData
    private var state: State = .awaitingGreeting
    private(set) var isEncrypted: Bool
    private(set) var capabilities: SMTPCapabilities = .none
    private var accepted: [SMTPDeliveryResult.Recipient] = []
    private var rejected: [SMTPDeliveryResult.Recipient] = []

    /// Creates a machine waiting for the greeting; with implicit TLS the connection counts as encrypted.
    init(configuration: SMTPConfiguration, envelope: SMTPEnvelope, message: SMTPMessageData) {
        self.configuration = configuration
        self.envelope = envelope
        self.message = message
        self.isEncrypted = configuration.security == .implicitTLS
    }

    /// The phase whose reply the machine waits for (selects the timeout and labels errors).
    var phase: SMTPPhase {
        switch self.state {
        case .awaitingGreeting: .greeting
        case .ehlo: .ehlo
        case .helo: .helo
        case .startTLS: .startTLS
        case .tlsHandshake: .tlsHandshake
        case .authPlain, .authLoginUsername, .authLoginPassword, .authLoginDone: .auth
        case .mail: .mail
        case .rcpt: .rcpt
        case .data: .data
        case .dataTermination: .dataTermination
        case .quit, .finished, .failed: .quit
        }
    }

    /// Feeds one complete server reply and returns the next action.
    mutating func replyReceived(_ reply: SMTPReply) -> Action {
        switch self.state {
        case .awaitingGreeting:
            guard reply.code == 220 else { return self.rejection(reply, "the server refused the session") }
            return self.sendEHLO()

        case .ehlo:
            if reply.isPositiveCompletion {
                self.capabilities = SMTPCapabilities(ehloReply: reply)
                return self.afterHello()
            }
            if reply.isPermanentNegative && !self.isEncrypted && reply.code != 554 {
                self.state = .helo
                return .send(.helo(self.configuration.ehloName))
            }
            return self.rejection(reply, "the server refused EHLO")

        case .helo:
            guard reply.isPositiveCompletion else { return self.rejection(reply, "the server refused HELO") }
            self.capabilities = .none
            return self.afterHello()

        case .startTLS:
            if reply.code == 220 {
                self.state = .tlsHandshake
                return .startTLSHandshake
            }
            if self.configuration.security == .startTLSRequired {
                return self.fail(.startTLSUnavailable, "the server refused STARTTLS", reply: reply, sendQuit: reply.code != 421)
            }
            // Opportunistic TLS: a refusal means we carry on in plaintext (RFC 3207 §4).
            return self.afterTLSDecision()

        case .tlsHandshake:
            return self.fail(.protocolViolation, "the server sent a reply before the TLS handshake", reply: reply, sendQuit: false)

        case .authPlain, .authLoginDone:
            return self.authenticationFinished(reply)

        case .authLoginUsername:
            guard reply.code == 334 else { return self.authenticationFinished(reply) }
            self.state = .authLoginPassword
            return .send(.authResponse(SMTPAuthentication.loginResponse(self.configuration.credentials?.username ?? "")))

        case .authLoginPassword:
            guard reply.code == 334 else { return self.authenticationFinished(reply) }
            self.state = .authLoginDone
            return .send(.authResponse(SMTPAuthentication.loginResponse(self.configuration.credentials?.password ?? "")))

        case .mail:
            guard reply.isPositiveCompletion else { return self.rejection(reply, "the server refused the sender") }
            return self.sendRCPT(index: 0)

        case .rcpt(let index):
            let recipient = SMTPDeliveryResult.Recipient(address: self.envelope.to[index], reply: reply)
            if reply.isPositiveCompletion {
                self.accepted.append(recipient)
            } else if reply.code == 421 {
                return self.rejection(reply, "the server is closing the connection")
            } else {
                self.rejected.append(recipient)
            }
            if index + 1 < self.envelope.to.count { return self.sendRCPT(index: index + 1) }
            if self.accepted.isEmpty {
                var error = self.error(.allRecipientsRejected, "the server refused every recipient", reply: reply)
                error.rejectedRecipients = self.rejected
                self.state = .failed
                return .fail(error, sendQuit: true)
            }
            self.state = .data
            return .send(.data)

        case .data:
            guard reply.code == 354 else { return self.rejection(reply, "the server refused DATA") }
            self.state = .dataTermination
            return .sendMessage

        case .dataTermination:
            guard reply.isPositiveCompletion else { return self.rejection(reply, "the server refused the message") }
            let result = SMTPDeliveryResult(accepted: self.accepted, rejected: self.rejected, dataReply: reply)
            self.state = .quit(result)
            return .send(.quit)

        case .quit(let result):
            // Whatever the server answers to QUIT, the message has already been accepted.
            self.state = .finished
            return .finish(result)

        case .finished, .failed:
            return self.fail(.protocolViolation, "unexpected reply after the session ended", reply: reply, sendQuit: false)
        }
    }

    /// Reports a completed TLS handshake after STARTTLS; the session restarts with EHLO (RFC 3207 §4.2).
    mutating func tlsEstablished() -> Action {
        guard case .tlsHandshake = self.state else {
            return self.fail(.protocolViolation, "TLS established in an unexpected state", reply: nil, sendQuit: false)
        }
        self.isEncrypted = true
        self.capabilities = .none
        return self.sendEHLO()
    }

    /// Reports that the server closed the connection; only harmless while waiting for QUIT's reply.
    mutating func connectionClosed() -> Action {
        if case .quit(let result) = self.state {
            self.state = .finished
            return .finish(result)
        }
        return self.fail(.connectionClosed, "the server closed the connection", reply: nil, sendQuit: false)
    }

    // MARK: - Steps

    /// Starts (or, after STARTTLS, restarts) the session with EHLO.
    private mutating func sendEHLO() -> Action {
        self.state = .ehlo
        return .send(.ehlo(self.configuration.ehloName))
    }

    /// After a successful EHLO/HELO: STARTTLS if configured and possible, else continue.
    private mutating func afterHello() -> Action {
        if !self.isEncrypted {
            switch self.configuration.security {
            case .startTLSRequired:
                guard self.capabilities.supportsStartTLS else {
                    return self.fail(.startTLSUnavailable, "STARTTLS is required but the server does not offer it", reply: nil, sendQuit: true)
                }
                self.state = .startTLS
                return .send(.startTLS)
            case .startTLSIfAvailable where self.capabilities.supportsStartTLS:
                self.state = .startTLS
                return .send(.startTLS)
            default:
                break
            }
        }
        return self.afterTLSDecision()
    }

    /// Authenticates when credentials are configured, otherwise starts the transaction.
    private mutating func afterTLSDecision() -> Action {
        guard let credentials = self.configuration.credentials else { return self.sendMAIL() }
        guard self.isEncrypted || self.configuration.allowAuthOverPlaintext else {
            self.state = .authPlain  // for error reporting: the failure belongs to the AUTH phase
            return self.fail(.plaintextAuthRefused, "credentials would be sent over an unencrypted connection; refusing to authenticate", reply: nil, sendQuit: true)
        }
        switch SMTPAuthentication.preferredMechanism(in: self.capabilities) {
        case .plain:
            self.state = .authPlain
            let response = SMTPAuthentication.plainInitialResponse(username: credentials.username, password: credentials.password)
            return .send(.auth(mechanism: "PLAIN", initialResponse: response))
        case .login:
            self.state = .authLoginUsername
            return .send(.auth(mechanism: "LOGIN", initialResponse: nil))
        case nil:
            self.state = .authPlain  // for error reporting: the failure belongs to the AUTH phase
            let offered = self.capabilities.authMechanisms
            let detail = offered.isEmpty ? "the server does not offer AUTH" : "the server offers only \(offered.joined(separator: " "))"
            return self.fail(.authUnavailable, "credentials are configured but \(detail); PLAIN or LOGIN is needed", reply: nil, sendQuit: true)
        }
    }

    /// Handles the final AUTH reply: 235 continues with MAIL, anything else is an auth failure.
    private mutating func authenticationFinished(_ reply: SMTPReply) -> Action {
        guard reply.code == 235 else {
            return self.fail(.authFailed, "the server rejected the credentials", reply: reply, sendQuit: reply.code != 421)
        }
        return self.sendMAIL()
    }

    /// Sends MAIL FROM with the parameters this server and message need, or refuses the message.
    private mutating func sendMAIL() -> Action {
        self.state = .mail
        do {
            let parameters = try SMTPMailParameters.make(envelope: self.envelope, message: self.message, capabilities: self.capabilities)
            return .send(.mail(from: self.envelope.from, parameters: parameters))
        } catch {
            return self.fail(error.kind, error.message, reply: nil, sendQuit: true)
        }
    }

    /// Sends RCPT TO for the recipient at `index`.
    private mutating func sendRCPT(index: Int) -> Action {
        self.state = .rcpt(index: index)
        return .send(.rcpt(to: self.envelope.to[index]))
    }

    // MARK: - Failures

    /// Fails because of a negative (or nonsensical) reply; QUIT is sent unless the server is closing.
    private mutating func rejection(_ reply: SMTPReply, _ message: String) -> Action {
        let kind: SMTPError.Kind = reply.isTransientNegative || reply.isPermanentNegative ? .rejected : .protocolViolation
        return self.fail(kind, message, reply: reply, sendQuit: reply.code != 421 && kind == .rejected)
    }

    /// Moves to the failed state and returns the failure action.
    private mutating func fail(_ kind: SMTPError.Kind, _ message: String, reply: SMTPReply?, sendQuit: Bool) -> Action {
        let error = self.error(kind, message, reply: reply)
        self.state = .failed
        return .fail(error, sendQuit: sendQuit)
    }

    /// An error labelled with the current phase.
    private func error(_ kind: SMTPError.Kind, _ message: String, reply: SMTPReply?) -> SMTPError {
        SMTPError(kind: kind, host: self.configuration.host, port: self.configuration.port, phase: self.phase, message: message, lastReply: reply)
    }
}
