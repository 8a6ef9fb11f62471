import NIOCore
import NIOSSL

/// One open connection to the server: framed replies in, bytes out, each step under a deadline.
///
/// Used by one task only (the ``SMTPClient/send(_:message:logger:)`` call that owns it); it
/// translates every NIO, TLS and timeout failure into an ``SMTPError`` naming the phase.
final class SMTPConnection {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let processor = NIOSingleStepByteToMessageProcessor(SMTPReplyDecoder(), maximumBufferSize: 64 * 1024)
    private var pendingReplies: [SMTPReply] = []
    private let configuration: SMTPConfiguration
    private let deadline = DeadlineState()

    /// Wraps the streams of an established channel.
    init(
        channel: any Channel,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        configuration: SMTPConfiguration
    ) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.configuration = configuration
    }

    /// Reads the next complete reply; `nil` when the server closed the connection cleanly.
    ///
    /// `limit` overrides the phase's configured timeout (used for the courtesy QUIT).
    func readReply(phase: SMTPPhase, limit: Duration? = nil) async throws(SMTPError) -> SMTPReply? {
        try await self.withDeadline(phase: phase, limit: limit) { () async throws -> SMTPReply? in
            while self.pendingReplies.isEmpty {
                guard let buffer = try await self.inbound.next() else {
                    try self.processor.finishProcessing(seenEOF: true) { self.pendingReplies.append($0) }
                    break
                }
                try self.processor.process(buffer: buffer) { self.pendingReplies.append($0) }
            }
            return self.pendingReplies.isEmpty ? nil : self.pendingReplies.removeFirst()
        }
    }

    /// Writes a command line; `limit` overrides the phase's configured timeout.
    func write(_ command: SMTPCommand, limit: Duration? = nil) async throws(SMTPError) {
        try await self.withDeadline(phase: command.phase, limit: limit) { () async throws -> Void in
            try await self.outbound.write(self.channel.allocator.buffer(bytes: command.bytes))
        }
    }

    /// Writes raw bytes in blocks, each block under the `phase` deadline.
    func write(_ bytes: [UInt8], phase: SMTPPhase, blockSize: Int = 64 * 1024) async throws(SMTPError) {
        var start = 0
        repeat {
            let end = min(start + blockSize, bytes.count)
            let block = self.channel.allocator.buffer(bytes: bytes[start..<end])
            try await self.withDeadline(phase: phase) { () async throws -> Void in
                try await self.outbound.write(block)
            }
            start = end
        } while start < bytes.count
    }

    /// Upgrades the connection after `220` to STARTTLS and waits for the handshake.
    ///
    /// Bytes that arrived after the 220 but before the handshake would be plaintext the attacker
    /// could have injected (CVE-2011-0411 class); their presence is a protocol violation.
    func startTLS(context: NIOSSLContext) async throws(SMTPError) {
        if self.processor.unprocessedBytes > 0 || !self.pendingReplies.isEmpty {
            throw self.error(.protocolViolation, phase: .startTLS, "the server sent data after accepting STARTTLS")
        }
        let channel = self.channel
        let host = self.configuration.host
        try await self.withDeadline(phase: .tlsHandshake) { () async throws -> Void in
            let handshake = try await channel.eventLoop.submit {
                try SMTPTLS.addClientHandlers(to: channel, context: context, host: host)
            }.get()
            try await handshake.get()
        }
    }

    /// Waits for a handshake started when the channel was created (implicit TLS).
    func awaitHandshake(_ handshake: EventLoopFuture<Void>) async throws(SMTPError) {
        try await self.withDeadline(phase: .tlsHandshake) { () async throws -> Void in
            try await handshake.get()
        }
    }

    /// Runs `body`; if the limit (default: `phase`'s timeout) passes first, closes the channel
    /// and reports a timeout.
    private func withDeadline<Result>(
        phase: SMTPPhase,
        limit: Duration? = nil,
        _ body: () async throws -> Result
    ) async throws(SMTPError) -> Result {
        let limit = limit ?? self.configuration.timeouts.limit(for: phase)
        let deadline = self.deadline
        let channel = self.channel
        deadline.arm()
        let scheduled = channel.eventLoop.scheduleTask(in: TimeAmount(limit)) {
            if deadline.fire() {
                channel.pipeline.fireErrorCaught(SMTPDeadlineExceeded())
                channel.close(promise: nil)
            }
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        scheduled.cancel()
        // The deadline may fire just as `body` finishes: the channel is then closed, so even a
        // successful step is reported as the timeout it was (not as a later "closed channel").
        if deadline.disarm() {
            throw self.error(.timeout, phase: phase, "no progress within \(limit)", underlying: nil)
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw self.translate(error, phase: phase)
        }
    }

    /// Maps a NIO/TLS/decoding error to an ``SMTPError``.
    private func translate(_ error: any Error, phase: SMTPPhase) -> SMTPError {
        if let smtpError = error as? SMTPError { return smtpError }
        if let decoding = error as? SMTPReplyDecodingError {
            return self.error(.protocolViolation, phase: phase, decoding.description, underlying: decoding)
        }
        if error is ByteToMessageDecoderError.PayloadTooLargeError {
            return self.error(.protocolViolation, phase: phase, "the server sent more than 64 KiB without completing a reply", underlying: error)
        }
        if phase == .tlsHandshake || error is NIOSSLError || error is BoringSSLError {
            let explanation = SMTPTLS.explain(error, trustRoots: self.configuration.trustRoots)
            return self.error(.tlsFailed, phase: .tlsHandshake, explanation, underlying: error)
        }
        return self.error(.connectionClosed, phase: phase, "the connection failed (\(error))", underlying: error)
    }

    /// An error for the configured host and port.
    private func error(
        _ kind: SMTPError.Kind,
        phase: SMTPPhase,
        _ message: String,
        underlying: (any Error)? = nil
    ) -> SMTPError {
        SMTPError(
            kind: kind, host: self.configuration.host, port: self.configuration.port, phase: phase,
            message: message, underlying: underlying
        )
    }
}
