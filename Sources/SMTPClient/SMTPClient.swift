import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail to one SMTP submission server (RFC 5321, 3207, 4954, 1870, 6152, 6531, 8314).
///
/// Each ``send(_:message:logger:)`` opens a connection, runs one mail transaction driven by
/// a pure state machine (`SMTPStateMachine`) and closes it again; the client holds no connection, so it is a
/// cheap `Sendable` value that can be shared freely.
///
/// ```swift
/// let client = SMTPClient(configuration: .init(host: "smtp.example.org", port: 587,
///                                              credentials: .init(username: "u", password: "p")),
///                         logger: logger)
/// let result = try await client.send(SMTPEnvelope(from: "a@example.org", to: ["b@example.org"]),
///                                    message: Array(rfc5322Message.utf8))
/// ```
public struct SMTPClient: Sendable {
    /// Where and how to connect.
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// The TLS context, built once: loading the trust roots costs far more than a whole delivery.
    private let tlsContext: Result<NIOSSLContext, any Error>?

    /// Creates a client; `logger` is used when a call passes none.
    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.tlsContext = configuration.security == .plain ? nil : Result { try SMTPTLS.makeContext(trustRoots: configuration.trustRoots) }
    }

    /// Delivers `message` (RFC 5322 bytes, LF or CRLF line endings) to the envelope's recipients.
    ///
    /// Returns when the server has accepted the message for at least one recipient; recipients it
    /// refused are listed in the result. Throws ``SMTPError`` otherwise, including when every
    /// recipient was refused.
    ///
    /// `whenAccepted` runs once the server has accepted the message (its reply to the end of the data), before
    /// QUIT: from then on the message is the server's, whatever happens to the connection or to this process.
    public func send(
        _ envelope: SMTPEnvelope,
        message: [UInt8],
        logger: Logger? = nil,
        whenAccepted: (@Sendable () async -> Void)? = nil
    ) async throws(SMTPError) -> SMTPDeliveryResult {
        var logger = logger ?? self.logger
        logger[metadataKey: "smtp.host"] = "\(self.configuration.host)"
        logger[metadataKey: "smtp.port"] = "\(self.configuration.port)"
        try self.configuration.validate()
        if let problem = envelope.validationProblem {
            throw self.error(.invalidMessage, phase: .mail, problem)
        }
        let data = SMTPMessageData(message)
        let machine = SMTPStateMachine(configuration: self.configuration, envelope: envelope, message: data)

        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try self.tlsContext?.get()
        } catch {
            throw self.error(.tlsFailed, phase: .tlsHandshake, SMTPTLS.explain(error, trustRoots: self.configuration.trustRoots), underlying: error)
        }

        let (asyncChannel, handshake) = try await self.connect(tlsContext: self.configuration.startsEncrypted ? tlsContext : nil, logger: logger)
        do {
            return try await asyncChannel.executeThenClose { inbound, outbound in
                let connection = SMTPConnection(
                    channel: asyncChannel.channel, inbound: inbound, outbound: outbound, configuration: self.configuration
                )
                if let handshake { try await connection.awaitHandshake(handshake) }
                return try await self.run(machine, on: connection, tlsContext: tlsContext, data: data, logger: logger,
                                          whenAccepted: whenAccepted)
            }
        } catch let error as SMTPError {
            logger.debug("smtp.send.failed", metadata: ["smtp.error.kind": "\(error.kind)", "smtp.phase": "\(error.phase)"])
            throw error
        } catch {
            throw self.error(.connectionClosed, phase: .quit, "the connection failed (\(error))", underlying: error)
        }
    }

    /// Opens the TCP connection (and, for implicit TLS, starts the handshake).
    private func connect(
        tlsContext: NIOSSLContext?,
        logger: Logger
    ) async throws(SMTPError) -> (NIOAsyncChannel<ByteBuffer, ByteBuffer>, EventLoopFuture<Void>?) {
        let host = self.configuration.host
        let bootstrap = ClientBootstrap(group: self.eventLoopGroup)
            .connectTimeout(TimeAmount(self.configuration.timeouts.connect))
            .channelOption(.socketOption(.so_keepalive), value: 1)
        do {
            logger.debug("smtp.connect")
            return try await bootstrap.connect(host: host, port: self.configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handshake = try tlsContext.map { try SMTPTLS.addClientHandlers(to: channel, context: $0, host: host) }
                    let asyncChannel = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    return (asyncChannel, handshake)
                }
            }
        } catch {
            throw self.error(.connectFailed, phase: .connect, "could not connect (\(Self.describeConnectError(error)))", underlying: error)
        }
    }

    /// Drives the state machine over the connection until it finishes or fails.
    private func run(
        _ machine: SMTPStateMachine,
        on connection: SMTPConnection,
        tlsContext: NIOSSLContext?,
        data: SMTPMessageData,
        logger: Logger,
        whenAccepted: (@Sendable () async -> Void)?
    ) async throws(SMTPError) -> SMTPDeliveryResult {
        var machine = machine
        var nextAction: SMTPStateMachine.Action? = nil
        while true {
            let action: SMTPStateMachine.Action
            if let pending = nextAction {
                action = pending
                nextAction = nil
            } else {
                let phase = machine.phase
                let reply: SMTPReply?
                if phase == .quit {
                    // The message is already accepted: a slow, silent or vanished server at QUIT
                    // must neither delay success for minutes nor turn it into an error.
                    reply = try? await connection.readReply(phase: .quit, limit: Self.courtesyLimit(self.configuration))
                } else {
                    reply = try await connection.readReply(phase: phase)
                }
                guard let reply else {
                    nextAction = machine.connectionClosed()
                    continue
                }
                logger.trace("smtp.reply", metadata: ["smtp.phase": "\(phase)", "smtp.reply.code": "\(reply.code)"])
                action = machine.replyReceived(reply)
            }

            switch action {
            case .send(let command):
                // The machine asks for QUIT only after the server accepted the message.
                if command == .quit { await whenAccepted?() }
                logger.trace("smtp.command", metadata: ["smtp.phase": "\(command.phase)"])
                do {
                    try await connection.write(command, limit: command == .quit ? Self.courtesyLimit(self.configuration) : nil)
                } catch {
                    // The message is already accepted; a server that hangs up on QUIT is fine.
                    guard command == .quit else { throw error }
                    nextAction = machine.connectionClosed()
                }
            case .startTLSHandshake:
                guard let tlsContext else {
                    throw self.error(.tlsFailed, phase: .startTLS, "STARTTLS accepted but no TLS context is configured")
                }
                try await connection.startTLS(context: tlsContext)
                logger.debug("smtp.starttls.established")
                nextAction = machine.tlsEstablished()
            case .sendMessage:
                try await connection.write(data.wireBytes, phase: .dataBlock)
            case .finish(let result):
                logger.debug(
                    "smtp.send.delivered",
                    metadata: ["smtp.recipients.accepted": "\(result.accepted.count)", "smtp.recipients.rejected": "\(result.rejected.count)"]
                )
                return result
            case .fail(let error, let sendQuit):
                if sendQuit {
                    // Best effort: be polite, but never let QUIT trouble hide the real error.
                    try? await connection.write(.quit, limit: Self.courtesyLimit(self.configuration))
                    _ = try? await connection.readReply(phase: .quit, limit: Self.courtesyLimit(self.configuration))
                }
                throw error
            }
        }
    }

    /// How long QUIT may take: it only closes the session politely, so at most 5 s.
    private static func courtesyLimit(_ configuration: SMTPConfiguration) -> Duration {
        min(configuration.timeouts.command, .seconds(5))
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

    /// An error for this client's host and port.
    private func error(_ kind: SMTPError.Kind, phase: SMTPPhase, _ message: String, underlying: (any Error)? = nil) -> SMTPError {
        SMTPError(kind: kind, host: self.configuration.host, port: self.configuration.port, phase: phase, message: message, underlying: underlying)
    }
}
