import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One open connection to the directory: messages out, framed answers in, each operation under a deadline.
///
/// Used by one task at a time: the task that opened it, or the one the pool lent it to (hence
/// `@unchecked Sendable`: ownership moves, access never overlaps). It translates every NIO, TLS, framing
/// and timeout failure into an ``LDAPError`` naming the phase and `host:port`.
final class LDAPConnection: @unchecked Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<LDAPChannelHandler>
    private let configuration: LDAPConfiguration
    private var machine: LDAPStateMachine
    private let deadline = LDAPDeadlineState()
    private let logger: Logger

    private init(channel: any Channel, handler: NIOLoopBound<LDAPChannelHandler>, configuration: LDAPConfiguration, logger: Logger) {
        self.channel = channel
        self.handler = handler
        self.configuration = configuration
        self.machine = LDAPStateMachine(configuration: configuration)
        self.logger = logger
    }

    /// Opens a connection and protects it as configured (LDAPS handshake, or StartTLS); no bind yet.
    static func connect(
        configuration: LDAPConfiguration,
        tlsContext: NIOSSLContext?,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) async throws(LDAPError) -> LDAPConnection {
        let host = configuration.host
        let implicitTLS = configuration.security == .ldaps ? tlsContext : nil
        let maximumMessageSize = configuration.maximumMessageSize
        let maximumQueued = configuration.maximumEntriesPerResponse + 16
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(TimeAmount(configuration.timeouts.connect))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        let channel: any Channel
        let handler: NIOLoopBound<LDAPChannelHandler>
        let handshake: EventLoopFuture<Void>?
        do {
            logger.debug("ldap.connect")
            (channel, handler, handshake) = try await bootstrap.connect(host: host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = LDAPChannelHandler(maximumMessageSize: maximumMessageSize, maximumQueuedMessages: maximumQueued)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    let handshake = try implicitTLS.map { try LDAPTLS.addClientHandlers(to: channel, context: $0, host: host) }
                    return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop), handshake)
                }
            }
        } catch {
            throw LDAPError(
                kind: .connectFailed, host: host, port: configuration.port, phase: .connect,
                message: "could not connect (\(Self.describeConnectError(error)))", underlying: error
            )
        }
        let connection = LDAPConnection(channel: channel, handler: handler, configuration: configuration, logger: logger)
        do throws(LDAPError) {
            if let handshake {
                try await connection.withDeadline(phase: .tlsHandshake) { () async throws -> Void in try await handshake.get() }
            } else if configuration.security == .startTLS {
                guard let tlsContext else {
                    throw connection.error(.tlsFailed, .startTLS, "StartTLS is configured but no TLS context exists")
                }
                try await connection.startTLS(context: tlsContext)
            }
        } catch {
            connection.channel.close(promise: nil)
            throw error
        }
        return connection
    }

    /// Whether the connection can take another operation.
    var isUsable: Bool { self.channel.isActive && self.machine.isReady }

    /// The name of the last successful bind; `nil` while anonymous.
    var boundName: String? { self.machine.boundName }

    /// Upgrades the connection with the StartTLS extended operation and waits for the handshake.
    ///
    /// Bytes that arrived after the StartTLS response but before the handshake would be plaintext an
    /// attacker could have injected; their presence is a protocol violation.
    func startTLS(context: NIOSSLContext) async throws(LDAPError) {
        let action = self.machine.startTLS()
        guard case .startTLSAccepted = try await self.drive(action, phase: .startTLS) else {
            throw self.error(.protocolViolation, .startTLS, "StartTLS ended without an answer")
        }
        let channel = self.channel
        let handler = self.handler
        let host = self.configuration.host
        try await self.withDeadline(phase: .tlsHandshake) { () async throws -> Void in
            let handshake = try await channel.eventLoop.submit { () throws -> EventLoopFuture<Void> in
                if handler.value.hasUnreadData {
                    throw self.error(.protocolViolation, .startTLS, "the server sent data after accepting StartTLS")
                }
                return try LDAPTLS.addClientHandlers(to: channel, context: context, host: host)
            }.get()
            try await handshake.get()
        }
        self.machine.tlsEstablished()
        self.logger.debug("ldap.starttls.established")
    }

    /// A simple bind as `name` (DN, `DOMAIN\user` or `user@domain`).
    func bind(name: String, password: String) async throws(LDAPError) {
        let action = self.machine.bind(name: name, password: password)
        _ = try await self.drive(action, phase: .bind)
    }

    /// One search (one page when `controls` carry a paged-results control), up to `searchResultDone`.
    func search(_ request: LDAPSearchRequest, controls: [LDAPControl] = []) async throws(LDAPError) -> LDAPSearchResult {
        let action = self.machine.search(request, controls: controls)
        guard case .searched(let result) = try await self.drive(action, phase: .search) else {
            throw self.error(.protocolViolation, .search, "the search ended without a result")
        }
        return result
    }

    /// Sends an unbind when idle (best effort) and closes the connection.
    func close() async {
        self.logger.trace("ldap.close")
        defer { self.logger.trace("ldap.closed") }
        if self.channel.isActive, let unbind = self.machine.unbind(), let bytes = try? unbind.serializedBytes() {
            try? await self.channel.writeAndFlush(self.channel.allocator.buffer(bytes: bytes))
        }
        try? await self.channel.close()
    }

    /// What an operation ended with.
    private enum Completion {
        case startTLSAccepted
        case bound
        case searched(LDAPSearchResult)
    }

    /// Performs the machine's actions until the operation completes, all under `phase`'s deadline.
    private func drive(_ initial: LDAPStateMachine.Action, phase: LDAPPhase) async throws(LDAPError) -> Completion {
        if case .fail(let error, let close) = initial {
            // Refused before anything was sent (bad filter, plaintext bind, busy connection).
            if close { self.channel.close(promise: nil) }
            throw error
        }
        return try await self.withDeadline(phase: phase) { () async throws -> Completion in
            var action = initial
            while true {
                switch action {
                case .send(let message):
                    self.logger.trace("ldap.send", metadata: ["ldap.operation": "\(message.operation.name)", "ldap.message_id": "\(message.messageID)"])
                    let bytes = try message.serializedBytes()
                    try await self.channel.writeAndFlush(self.channel.allocator.buffer(bytes: bytes))
                    action = try await self.receive()
                case .readMore:
                    action = try await self.receive()
                case .startTLSHandshake:
                    return .startTLSAccepted
                case .bindSucceeded:
                    return .bound
                case .searchFinished(let result):
                    return .searched(result)
                case .fail(let error, let close):
                    if close { self.channel.close(promise: nil) }
                    throw error
                }
            }
        }
    }

    /// Reads the next message and feeds it to the machine.
    private func receive() async throws -> LDAPStateMachine.Action {
        let handler = self.handler
        let message = try await self.channel.eventLoop.flatSubmit { handler.value.nextMessage(on: handler.eventLoop) }.get()
        guard let message else { return self.machine.connectionClosed() }
        self.logger.trace("ldap.receive", metadata: ["ldap.operation": "\(message.operation.name)", "ldap.message_id": "\(message.messageID)"])
        return self.machine.messageReceived(message)
    }

    /// Runs `body`; if `phase`'s limit passes first, or the caller's task is cancelled, abandons a search in
    /// flight (best effort), closes the channel and reports a timeout or a cancellation.
    private func withDeadline<Result>(phase: LDAPPhase, _ body: () async throws -> Result) async throws(LDAPError) -> Result {
        let limit = self.configuration.timeouts.limit(for: phase)
        let deadline = self.deadline
        let channel = self.channel
        let abandon = self.machine.abandonRequest().flatMap { try? $0.serializedBytes() }
        let logger = self.logger
        @Sendable func cutShort(_ reason: LDAPDeadlineState.Reason) {
            channel.eventLoop.execute {
                guard deadline.fire(reason) else { return }
                if let abandon, channel.isActive {
                    logger.debug("ldap.search.abandoned", metadata: ["ldap.reason": "\(reason)"])
                    channel.writeAndFlush(channel.allocator.buffer(bytes: abandon), promise: nil)
                }
                channel.pipeline.fireErrorCaught(LDAPDeadlineExceeded())
                channel.close(promise: nil)
            }
        }
        deadline.arm()
        let scheduled = channel.eventLoop.scheduleTask(in: TimeAmount(limit)) { cutShort(.timeout) }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await withTaskCancellationHandler(operation: body, onCancel: { cutShort(.cancelled) }))
        } catch {
            outcome = .failure(error)
        }
        scheduled.cancel()
        // The deadline may fire just as `body` finishes: the channel is then closed, so even a
        // successful step is reported as the timeout (or cancellation) it was.
        switch deadline.disarm() {
        case .timeout: throw self.error(.timeout, phase, "no answer within \(limit)")
        case .cancelled: throw self.error(.cancelled, phase, "the caller cancelled the operation; the connection was closed")
        case nil: break
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw self.translate(error, phase: phase)
        }
    }

    /// Maps a NIO, TLS, framing or decoding error to an ``LDAPError``.
    private func translate(_ error: any Error, phase: LDAPPhase) -> LDAPError {
        if let ldapError = error as? LDAPError { return ldapError }
        if let framing = error as? LDAPFramingError {
            return self.error(.protocolViolation, phase, framing.description, underlying: framing)
        }
        if let decoding = error as? LDAPDecodingError {
            return self.error(.protocolViolation, phase, decoding.description, underlying: decoding)
        }
        if error is ByteToMessageDecoderError.PayloadTooLargeError {
            return self.error(.protocolViolation, phase, "the server sent more than \(self.configuration.maximumMessageSize) bytes without completing a message", underlying: error)
        }
        if phase == .tlsHandshake || error is NIOSSLError || error is BoringSSLError {
            let explanation = LDAPTLS.explain(error, trustRoots: self.configuration.trustRoots)
            return self.error(.tlsFailed, .tlsHandshake, explanation, underlying: error)
        }
        return self.error(.connectionClosed, phase, "the connection failed (\(error))", underlying: error)
    }

    /// The most useful part of a connect failure (the per-address error, not the wrapper).
    private static func describeConnectError(_ error: any Error) -> String {
        if let connectionError = error as? NIOConnectionError {
            if let dnsError = connectionError.dnsAError ?? connectionError.dnsAAAAError {
                return "DNS lookup failed: \(dnsError)"
            }
            if let first = connectionError.connectionErrors.first {
                return "\(first.error)"
            }
        }
        return "\(error)"
    }

    private func error(_ kind: LDAPError.Kind, _ phase: LDAPPhase, _ message: String, underlying: (any Error)? = nil) -> LDAPError {
        LDAPError(kind: kind, host: self.configuration.host, port: self.configuration.port, phase: phase, message: message, underlying: underlying)
    }
}
