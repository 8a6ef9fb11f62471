import Logging
import NIOCore
import NIOPosix
import NIOSSH

/// One logged-in SSH connection (swift-nio-ssh underneath): subsystems, commands and SCP uploads run on session
/// channels of it, each step under a deadline.
///
/// The host key is checked during the key exchange, before authentication. A step that passes its limit, or
/// whose task is cancelled, closes the whole connection: a server that stopped answering cannot be trusted with
/// the next step either. Every failure is an ``SSHError`` naming `host:port` and the step. Call ``close()`` when
/// done; nothing closes the connection on deinit.
public final class SSHConnection: Sendable {
    let channel: any Channel
    let configuration: SSHClientConfiguration
    let state: SSHConnectionState
    let logger: Logger
    /// The host key the server presented (with ``SSHHostKeyPolicy/pinned(_:)``, the pinned one).
    public let hostKey: SSHHostKeyInfo

    private init(channel: any Channel, configuration: SSHClientConfiguration, state: SSHConnectionState, logger: Logger, hostKey: SSHHostKeyInfo) {
        self.channel = channel
        self.configuration = configuration
        self.state = state
        self.logger = logger
        self.hostKey = hostKey
    }

    /// Connects, verifies the host key as the configuration says, and logs in.
    public static func connect(
        _ configuration: SSHClientConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> SSHConnection {
        try configuration.validate()
        var logger = logger
        logger[metadataKey: "ssh.endpoint"] = "\(configuration.endpoint)"
        let state = SSHConnectionState()
        let (channel, authenticated) = try await Self.openTransport(configuration, state: state, eventLoopGroup: eventLoopGroup, logger: logger)
        do {
            try await Self.run(.handshake, channel: channel, configuration: configuration, state: state, logger: logger) { _ in
                try await authenticated.get()
            }
        } catch {
            channel.close(promise: nil)
            throw error
        }
        guard let hostKey = state.hostKey else {
            channel.close(promise: nil)
            throw SSHError(kind: .protocolViolation, host: configuration.host, port: configuration.port, step: .handshake, message: "logged in without a verified host key")
        }
        logger.debug("ssh.connected", metadata: ["ssh.host_key.fingerprint": "\(hostKey.fingerprint)", "ssh.server.version": "\(state.serverVersion ?? "")"])
        return SSHConnection(channel: channel, configuration: configuration, state: state, logger: logger, hostKey: hostKey)
    }

    /// A session channel running a subsystem (e.g. `sftp`). The returned channel reads and writes plain
    /// `ByteBuffer`s; the subsystem's standard error is logged and dropped. Close it whole when done (no
    /// half-closure); its close completes when the server answers, or when this connection is closed.
    public func openSubsystem(_ name: String) async throws -> any Channel {
        let logger = self.logger
        let (child, reply) = try await self.run(.openChannel) { _ in
            try await self.openSession { child in
                let reply = child.eventLoop.makePromise(of: Void.self)
                try child.pipeline.syncOperations.addHandlers([SSHChannelRequestReplyHandler(reply: reply), SSHChannelDataAdapter(logger: logger)])
                return (child, reply.futureResult)
            }
        }
        do {
            try await self.run(.subsystem) { _ in
                try await self.request(SSHChannelRequestEvent.SubsystemRequest(subsystem: name, wantReply: true), on: child, reply: reply, refusal: "the server refused to start the subsystem \(name.debugDescription)", step: .subsystem)
            }
        } catch {
            child.close(promise: nil)
            throw error
        }
        self.logger.debug("ssh.subsystem.started", metadata: ["ssh.subsystem": "\(name)"])
        return child
    }

    /// Runs a command with no input and waits for it to exit; standard output and error are kept up to
    /// ``SSHExecResult/outputLimit`` bytes each. The whole run is one step (``SSHClientConfiguration/requestTimeout``).
    /// A non-zero exit status is a result, not an error.
    public func execute(_ command: String) async throws -> SSHExecResult {
        try await self.run(.exec) { _ in
            let session = try await self.openCommandSession()
            return try await session.channel.executeThenClose { inbound, outbound in
                do {
                    try await self.request(SSHChannelRequestEvent.ExecRequest(command: command, wantReply: true), on: session.channel.channel, reply: session.reply, refusal: "the server refused to run the command", step: .exec)
                    outbound.finish()
                    var reader = SSHSessionReader(inbound)
                    try await reader.readToEnd()
                    let result = reader.result
                    self.logger.debug("ssh.exec.finished", metadata: ["ssh.exit_status": "\(result.exitStatus.map(String.init) ?? "none")"])
                    return result
                } catch {
                    await self.discard(session.channel.channel, step: .exec)
                    throw error
                }
            }
        }
    }

    /// Closes the connection (open channels end with it).
    public func close() async {
        self.logger.debug("ssh.close")
        try? await self.channel.close()
    }

    // MARK: - Channels

    /// A command's channel: its output as an async sequence, standard input as the writer, and the server's
    /// answer to the one request it will make.
    struct CommandSession: Sendable {
        let channel: NIOAsyncChannel<SSHSessionOutput, ByteBuffer>
        let reply: EventLoopFuture<Void>
    }

    /// Opens a session channel for a command: half-closure allowed, so its exit status survives the end of output.
    func openCommandSession() async throws -> CommandSession {
        try await self.openSession { child in
            guard let options = child.syncOptions else { throw SSHError(kind: .channel, host: self.configuration.host, port: self.configuration.port, step: .openChannel, message: "the session channel has no options") }
            try options.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            let reply = child.eventLoop.makePromise(of: Void.self)
            try child.pipeline.syncOperations.addHandlers([SSHChannelRequestReplyHandler(reply: reply), SSHSessionOutputHandler()])
            let channel = try NIOAsyncChannel<SSHSessionOutput, ByteBuffer>(
                wrappingChannelSynchronously: child,
                configuration: .init(isOutboundHalfClosureEnabled: true)
            )
            return CommandSession(channel: channel, reply: reply.futureResult)
        }
    }

    /// Opens a session channel whose pipeline `configure` sets up (on its event loop); returns what `configure`
    /// returned once the server confirmed the channel.
    private func openSession<Output: Sendable>(_ configure: @escaping @Sendable (any Channel) throws -> Output) async throws -> Output {
        let channel = self.channel
        let opened = channel.eventLoop.makePromise(of: (any Channel).self)
        let configured = channel.eventLoop.makePromise(of: Output.self)
        opened.futureResult.whenFailure { configured.fail($0) }
        // swift-nio-ssh may leave the promise of a channel whose connection ended mid-opening unfulfilled.
        channel.closeFuture.whenComplete { _ in opened.fail(ChannelError.ioOnClosedChannel) }
        channel.eventLoop.execute {
            guard channel.isActive else {
                opened.fail(ChannelError.ioOnClosedChannel)
                return
            }
            do {
                let handler = try channel.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                handler.createChannel(opened, channelType: .session) { child, _ in
                    child.eventLoop.makeCompletedFuture {
                        do {
                            configured.succeed(try configure(child))
                        } catch {
                            configured.fail(error)
                            throw error
                        }
                    }
                }
            } catch {
                opened.fail(error)
            }
        }
        _ = try await opened.futureResult.get()
        return try await configured.futureResult.get()
    }

    /// Closes a session channel after a failure, before `executeThenClose` closes it again: waits for the
    /// server's CLOSE at most the step's limit, and closes the whole connection when that passes or the channel
    /// itself failed. swift-nio-ssh 0.15.1 never completes `close()` on a channel that failed (its
    /// `closedCleanly` returns early once `errorEncountered` ran), so only the connection's end settles it.
    func discard(_ child: any Channel, step: SSHStep) async {
        child.close(promise: nil)
        do {
            try await self.run(step) { _ in try await child.closeFuture.get() }
        } catch {
            self.channel.close(promise: nil)
            try? await self.channel.closeFuture.get()
        }
    }

    /// Sends a `want reply` channel request and waits for the answer; a refusal becomes ``SSHError/Kind/channel``.
    func request(_ event: some Sendable, on channel: any Channel, reply: EventLoopFuture<Void>, refusal: String, step: SSHStep) async throws {
        do {
            try await channel.triggerUserOutboundEvent(event).get()
            try await reply.get()
        } catch is SSHChannelRequestRefused {
            throw self.error(.channel, step, refusal)
        }
    }

    // MARK: - Steps

    /// Runs `body` as `step` under its limit, translating every failure to an ``SSHError``.
    func run<Result>(_ step: SSHStep, _ body: (SSHStepDeadline) async throws -> Result) async throws(SSHError) -> Result {
        try await Self.run(step, channel: self.channel, configuration: self.configuration, state: self.state, logger: self.logger, body)
    }

    /// Runs `body` as `step`: if the step's limit passes without progress, or the task is cancelled, closes the
    /// connection (which ends every wait of `body`) and reports a timeout or a cancellation.
    static func run<Result>(
        _ step: SSHStep,
        channel: any Channel,
        configuration: SSHClientConfiguration,
        state: SSHConnectionState,
        logger: Logger,
        _ body: (SSHStepDeadline) async throws -> Result
    ) async throws(SSHError) -> Result {
        let limit = configuration.limit(for: step)
        let deadline = SSHStepDeadline(limit: limit, eventLoop: channel.eventLoop) { reason in
            logger.debug("ssh.step.cut_short", metadata: ["ssh.step": "\(step)", "ssh.reason": "\(reason)"])
            channel.close(promise: nil)
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await withTaskCancellationHandler { try await body(deadline) } onCancel: { deadline.cancel() })
        } catch {
            outcome = .failure(error)
        }
        // The limit may pass just as `body` finishes: the connection is then closed, so even a successful step
        // is reported as the timeout (or cancellation) it was.
        switch deadline.finish() {
        case .timeout:
            throw SSHError(kind: .timeout(step), host: configuration.host, port: configuration.port, step: step, message: Self.timeoutMessage(step, limit: limit, state: state))
        case .cancelled:
            throw SSHError(kind: .cancelled, host: configuration.host, port: configuration.port, step: step, message: "the caller cancelled the operation; the connection was closed")
        case nil:
            break
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw SSHErrorTranslation.translate(error, step: step, configuration: configuration, state: state)
        }
    }

    private static func timeoutMessage(_ step: SSHStep, limit: Duration, state: SSHConnectionState) -> String {
        switch step {
        case .handshake where state.serverVersion == nil:
            "the server sent no SSH identification within \(limit); the connection was closed"
        case .handshake:
            "key exchange and login did not finish within \(limit); the connection was closed"
        case .scpData:
            "no progress for \(limit) (the server stopped reading, or the body produced nothing); the connection was closed"
        default:
            "no answer within \(limit); the connection was closed"
        }
    }

    func error(_ kind: SSHError.Kind, _ step: SSHStep, _ message: String) -> SSHError {
        SSHError(kind: kind, host: self.configuration.host, port: self.configuration.port, step: step, message: message)
    }

    // MARK: - Transport

    /// Opens the TCP connection with the SSH pipeline in place; the future completes when the login succeeded.
    private static func openTransport(
        _ configuration: SSHClientConfiguration,
        state: SSHConnectionState,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) async throws(SSHError) -> (any Channel, EventLoopFuture<Void>) {
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        do {
            logger.debug("ssh.connect")
            return try await bootstrap.connect(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let authenticated = channel.eventLoop.makePromise(of: Void.self)
                    let sshConfiguration = NIOSSH.SSHClientConfiguration(
                        userAuthDelegate: SSHUserAuthenticator(configuration: configuration, logger: logger),
                        serverAuthDelegate: SSHHostKeyValidator(configuration: configuration, state: state, logger: logger)
                    )
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(SSHServerHelloObserver(state: state))
                    try sync.addHandler(NIOSSHHandler(role: .client(sshConfiguration), allocator: channel.allocator, inboundChildChannelInitializer: nil))
                    try sync.addHandler(SSHConnectionHandler(authenticated: authenticated, state: state, logger: logger))
                    return (channel, authenticated.futureResult)
                }
            }
        } catch {
            throw SSHErrorTranslation.connectFailure(error, configuration: configuration)
        }
    }
}
