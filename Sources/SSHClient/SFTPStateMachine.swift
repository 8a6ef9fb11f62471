/// The SFTP session without I/O: the INIT/VERSION exchange, request ids, which requests are outstanding, and
/// whether a reply is allowed (right id, right type). It decides; ``SFTPChannelHandler`` does what it says.
///
/// Once anything goes wrong (protocol violation, timeout, channel closed) the session is over: every
/// outstanding request fails at once and every later one fails with the same cause.
struct SFTPStateMachine {
    /// Where the session is.
    enum State {
        /// Nothing sent yet.
        case idle
        /// INIT sent, VERSION not yet received.
        case awaitingVersion
        /// VERSION received; requests may be sent.
        case ready
        /// Over, for this reason.
        case closed(SFTPError)
    }

    /// What to do after the session was asked to start.
    enum StartAction {
        /// Send INIT.
        case sendInit
        /// Do not: the session was already started.
        case fail(SFTPError)
    }

    /// What to do with a new request.
    enum SendAction {
        /// Send it with this id.
        case send(id: UInt32)
        /// Fail it without sending.
        case fail(SFTPError)
    }

    /// What to do after a packet arrived.
    enum ReceiveAction {
        /// The handshake finished with this version and these extensions.
        case versionReceived(UInt32, extensions: [String: String])
        /// Complete request `id` with the packet.
        case complete(id: UInt32, SFTPResponse)
        /// Fail the handshake (when it was pending) and these requests, then close the channel.
        case failAndClose(handshake: SFTPError?, requests: [(id: UInt32, error: SFTPError)])
        /// Nothing (the session was already over).
        case ignore
    }

    private(set) var state: State = .idle
    private var nextRequestID: UInt32 = 1
    /// Outstanding requests by id, with the path for error messages.
    private var pending: [UInt32: (kind: SFTPRequestKind, path: String)] = [:]

    /// The number of outstanding requests.
    var pendingCount: Int { self.pending.count }

    /// Starts the handshake.
    mutating func start() -> StartAction {
        guard case .idle = self.state else { return .fail(.closed("the session was already started", request: nil)) }
        self.state = .awaitingVersion
        return .sendInit
    }

    /// Assigns the next id to a request of `kind` about `path`, or refuses it when the session is not ready.
    mutating func send(_ kind: SFTPRequestKind, path: String) -> SendAction {
        switch self.state {
        case .ready:
            var id = self.nextRequestID
            while self.pending[id] != nil { id &+= 1 }
            self.nextRequestID = id &+ 1
            self.pending[id] = (kind, path)
            return .send(id: id)
        case .closed(let error):
            if error.kind == .closed { return .fail(error.affecting(kind, path: path)) }
            return .fail(.closed("the session was closed after an earlier \(error.kind): \(error.message)", request: kind, path: path))
        case .idle, .awaitingVersion:
            return .fail(.closed("the session has not finished its handshake", request: kind, path: path))
        }
    }

    /// Checks a packet from the server against the session: VERSION only during the handshake, otherwise a reply
    /// to an outstanding id of a type that request allows.
    mutating func receive(_ response: SFTPResponse) -> ReceiveAction {
        switch self.state {
        case .closed:
            return .ignore
        case .idle:
            return self.close(.protocolViolation("the server sent \(response.type) before INIT"))
        case .awaitingVersion:
            guard case .version(let version, let extensions) = response else {
                return self.close(.protocolViolation("the server sent \(response.type) instead of VERSION"))
            }
            guard version == 3 else {
                return self.close(.protocolViolation("the server speaks SFTP version \(version); this client needs version 3"))
            }
            self.state = .ready
            return .versionReceived(version, extensions: extensions)
        case .ready:
            guard let id = response.requestID else {
                return self.close(.protocolViolation("the server sent a second VERSION"))
            }
            guard let request = self.pending[id] else {
                return self.close(.protocolViolation("the server answered request id \(id), which is not outstanding"))
            }
            guard response.type == .status || response.type == request.kind.successReply else {
                return self.close(
                    .protocolViolation(
                        "the server answered \(request.kind) with \(response.type)", request: request.kind, path: request.path
                    )
                )
            }
            self.pending[id] = nil
            return .complete(id: id, response)
        }
    }

    /// Request `id` passed its deadline: it fails with a timeout, the others as closed, and the channel closes.
    mutating func timedOut(id: UInt32, after limit: Duration) -> ReceiveAction {
        guard let request = self.pending[id] else { return .ignore }
        let timeout = SFTPError(
            kind: .timeout, request: request.kind.description, path: request.path,
            message: "no reply within \(limit); the session is closed"
        )
        return self.close(timeout, culprit: id)
    }

    /// The handshake passed its deadline.
    mutating func handshakeTimedOut(after limit: Duration) -> ReceiveAction {
        guard case .awaitingVersion = self.state else { return .ignore }
        return self.close(SFTPError(kind: .timeout, request: "INIT", message: "no VERSION within \(limit)"))
    }

    /// The server's bytes could not be parsed (bad length, malformed packet).
    mutating func decodingFailed(_ error: SFTPError) -> ReceiveAction {
        if case .closed = self.state { return .ignore }
        return self.close(error)
    }

    /// The channel closed or failed (`underlying`), or the client shut down (`message`).
    mutating func channelClosed(_ message: String, underlying: (any Error)? = nil) -> ReceiveAction {
        if case .closed = self.state { return .ignore }
        return self.close(.closed(message, underlying: underlying))
    }

    /// Ends the session with `error`: the handshake (if pending) and every outstanding request fail. The request
    /// `culprit` gets `error` itself; the others get the same cause as "closed".
    private mutating func close(_ error: SFTPError, culprit: UInt32? = nil) -> ReceiveAction {
        let handshakePending: Bool
        if case .awaitingVersion = self.state { handshakePending = true } else { handshakePending = false }
        var cascaded = error
        if culprit != nil {
            cascaded = .closed("closed after \(error.request ?? "a request") timed out")
        }
        self.state = .closed(cascaded)
        let failures = self.pending.sorted { $0.key < $1.key }.map { id, request in
            (id: id, error: (id == culprit ? error : cascaded).affecting(request.kind, path: request.path))
        }
        self.pending.removeAll()
        return .failAndClose(handshake: handshakePending ? error : nil, requests: failures)
    }
}
