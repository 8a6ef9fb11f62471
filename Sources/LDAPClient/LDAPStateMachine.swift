/// One directory connection as a pure value: requests and server messages in, actions out.
///
/// ```
/// ready ─startTLS()→ startTLS ─extendedResponse 0→ tlsHandshake ─tlsEstablished()→ ready (encrypted)
/// ready ─bind()→ binding ─bindResponse→ ready (bound, or anonymous after a refused bind)
/// ready ─search()→ searching ─entry / reference / intermediate…→ searching ─searchResultDone→ ready
/// any ─connectionClosed() / notice of disconnection / wrong message→ closed
/// ```
/// One operation at a time; no I/O happens here: the façade (`LDAPConnection`) performs each ``Action``.
/// Refusals are returned as ``Action/fail(_:closeConnection:)`` values.
struct LDAPStateMachine {
    /// What the façade must do next.
    enum Action {
        /// Write the message, then read the answer (timeout of ``LDAPStateMachine/phase``).
        case send(LDAPMessage)
        /// StartTLS was accepted: add TLS to the connection now, then call ``LDAPStateMachine/tlsEstablished()``.
        case startTLSHandshake
        /// The operation goes on: read the next message.
        case readMore
        /// The bind succeeded.
        case bindSucceeded
        /// The search ended; the result may be partial (size or time limit).
        case searchFinished(LDAPSearchResult)
        /// The operation failed; when `closeConnection` is set the connection is unusable.
        case fail(LDAPError, closeConnection: Bool)
    }

    private enum State {
        case ready
        case startTLS(id: Int32)
        case tlsHandshake
        case binding(id: Int32, name: String)
        case searching(id: Int32, entries: [LDAPEntry], references: [[String]])
        case closed
    }

    private let host: String
    private let port: Int
    private let maximumEntries: Int
    private let allowBindOverPlaintext: Bool
    private var state: State = .ready
    private var lastMessageID: Int32 = 0
    /// Whether TLS protects the connection.
    private(set) var isEncrypted: Bool
    /// The name of the last successful bind; `nil` while anonymous.
    private(set) var boundName: String?

    /// Creates the machine for a freshly opened connection (encrypted from the start for LDAPS).
    init(configuration: LDAPConfiguration) {
        self.host = configuration.host
        self.port = configuration.port
        self.maximumEntries = configuration.maximumEntriesPerResponse
        self.allowBindOverPlaintext = configuration.allowBindOverPlaintext
        self.isEncrypted = configuration.security == .ldaps
    }

    /// The step whose answer the machine waits for (selects the timeout, labels errors).
    var phase: LDAPPhase {
        switch self.state {
        case .ready, .closed: .unbind
        case .startTLS: .startTLS
        case .tlsHandshake: .tlsHandshake
        case .binding: .bind
        case .searching: .search
        }
    }

    /// Whether a new operation may start.
    var isReady: Bool {
        if case .ready = self.state { return true }
        return false
    }

    /// Asks for StartTLS (RFC 4511 §4.14).
    mutating func startTLS() -> Action {
        guard self.isReady else { return self.misuse(.startTLS) }
        guard !self.isEncrypted else {
            return .fail(self.error(.invalidRequest, .startTLS, "the connection is already encrypted"), closeConnection: false)
        }
        let id = self.nextMessageID()
        self.state = .startTLS(id: id)
        return .send(LDAPMessage(messageID: id, operation: .extendedRequest(name: LDAPMessage.startTLSOID, value: nil)))
    }

    /// Asks for a simple bind; refuses empty passwords (an unauthenticated bind "succeeds") and, unless
    /// allowed, passwords over a connection that is not encrypted.
    mutating func bind(name: String, password: String) -> Action {
        guard self.isReady else { return self.misuse(.bind) }
        guard !name.isEmpty, !password.isEmpty else {
            return .fail(
                self.error(.invalidRequest, .bind, "a bind needs a name and a password (an empty password would be an unauthenticated bind)"),
                closeConnection: false
            )
        }
        guard self.isEncrypted || self.allowBindOverPlaintext else {
            return .fail(self.error(.plaintextBindRefused, .bind, "the connection is not encrypted; the password was not sent"), closeConnection: false)
        }
        let id = self.nextMessageID()
        self.state = .binding(id: id, name: name)
        return .send(LDAPMessage(messageID: id, operation: .bindRequest(LDAPBindRequest(name: name, password: password))))
    }

    /// Asks for a search; the filter is checked first.
    mutating func search(_ request: LDAPSearchRequest, controls: [LDAPControl] = []) -> Action {
        guard self.isReady else { return self.misuse(.search) }
        do {
            try request.filter.validate()
        } catch {
            return .fail(self.error(.invalidRequest, .search, error.description, underlying: error), closeConnection: false)
        }
        let id = self.nextMessageID()
        self.state = .searching(id: id, entries: [], references: [])
        return .send(LDAPMessage(messageID: id, operation: .searchRequest(request), controls: controls))
    }

    /// The unbind to send before closing, if the connection is idle; the machine is closed afterwards.
    mutating func unbind() -> LDAPMessage? {
        guard self.isReady else {
            self.state = .closed
            return nil
        }
        self.state = .closed
        return LDAPMessage(messageID: self.nextMessageID(), operation: .unbindRequest)
    }

    /// The Abandon request (RFC 4511 §4.11) for the search in flight, or `nil` when none is.
    ///
    /// Sent when a search is cut short (deadline, cancelled caller) just before the connection closes, so
    /// the server stops producing entries nobody reads. It takes the next message ID without consuming it:
    /// the connection is closed right after, so the ID is never reused.
    func abandonRequest() -> LDAPMessage? {
        guard case .searching(let id, _, _) = self.state else { return nil }
        let next = self.lastMessageID == Int32.max ? 1 : self.lastMessageID + 1
        return LDAPMessage(messageID: next, operation: .abandonRequest(id))
    }

    /// Feeds one complete message from the server.
    mutating func messageReceived(_ message: LDAPMessage) -> Action {
        let phase = self.phase
        if message.messageID == 0 {
            // Unsolicited notification (RFC 4511 §4.4): only the Notice of Disconnection is defined.
            self.state = .closed
            var result: LDAPResult?
            if case .extendedResponse(let notice, _, _) = message.operation { result = notice }
            return .fail(self.error(.connectionClosed, phase, "the server announced that it is closing the connection", result: result), closeConnection: true)
        }
        switch self.state {
        case .startTLS(let id):
            guard message.messageID == id, case .extendedResponse(let result, _, _) = message.operation else {
                return self.violation(message, phase)
            }
            guard result.isSuccess else {
                self.state = .closed
                return .fail(self.error(.startTLSRefused, .startTLS, "the server refused StartTLS", result: result), closeConnection: true)
            }
            self.state = .tlsHandshake
            return .startTLSHandshake
        case .binding(let id, let name):
            guard message.messageID == id, case .bindResponse(let result) = message.operation else {
                return self.violation(message, phase)
            }
            self.state = .ready
            guard result.isSuccess else {
                // A refused bind leaves the connection anonymous (RFC 4511 §4.2.1).
                self.boundName = nil
                let kind: LDAPError.Kind = result.resultCode == .invalidCredentials ? .invalidCredentials : .bindFailed
                return .fail(self.error(kind, .bind, "the server refused the bind as \(name)", result: result), closeConnection: false)
            }
            self.boundName = name
            return .bindSucceeded
        case .searching(let id, var entries, var references):
            guard message.messageID == id else { return self.violation(message, phase) }
            switch message.operation {
            case .searchResultEntry(let entry):
                entries.append(entry)
            case .searchResultReference(let uris):
                references.append(uris)
            case .intermediateResponse:
                break
            case .searchResultDone(let result):
                self.state = .ready
                let page = LDAPSearchResult(entries: entries, references: references, result: result, controls: message.controls)
                if result.isSuccess || result.resultCode == .sizeLimitExceeded || result.resultCode == .timeLimitExceeded {
                    return .searchFinished(page)
                }
                return .fail(self.error(.operationFailed, .search, "the server refused the search", result: result), closeConnection: false)
            default:
                return self.violation(message, phase)
            }
            if entries.count + references.count > self.maximumEntries {
                self.state = .closed
                return .fail(
                    self.error(.protocolViolation, .search, "the server sent more than \(self.maximumEntries) entries in one response"),
                    closeConnection: true
                )
            }
            self.state = .searching(id: id, entries: entries, references: references)
            return .readMore
        case .ready, .tlsHandshake, .closed:
            return self.violation(message, phase)
        }
    }

    /// The TLS handshake after StartTLS completed.
    mutating func tlsEstablished() {
        if case .tlsHandshake = self.state { self.state = .ready }
        self.isEncrypted = true
    }

    /// The server closed the connection (or it broke) while the machine was waiting.
    mutating func connectionClosed() -> Action {
        let phase = self.phase
        self.state = .closed
        return .fail(self.error(.connectionClosed, phase, "the server closed the connection"), closeConnection: true)
    }

    private mutating func nextMessageID() -> Int32 {
        self.lastMessageID = self.lastMessageID == Int32.max ? 1 : self.lastMessageID + 1
        return self.lastMessageID
    }

    private mutating func violation(_ message: LDAPMessage, _ phase: LDAPPhase) -> Action {
        self.state = .closed
        return .fail(
            self.error(.protocolViolation, phase, "unexpected \(message.operation.name) with message ID \(message.messageID)"),
            closeConnection: true
        )
    }

    private func misuse(_ phase: LDAPPhase) -> Action {
        .fail(self.error(.invalidRequest, phase, "the connection is busy or closed"), closeConnection: false)
    }

    private func error(
        _ kind: LDAPError.Kind,
        _ phase: LDAPPhase,
        _ message: String,
        result: LDAPResult? = nil,
        underlying: (any Error)? = nil
    ) -> LDAPError {
        LDAPError(kind: kind, host: self.host, port: self.port, phase: phase, message: message, result: result, underlying: underlying)
    }
}
