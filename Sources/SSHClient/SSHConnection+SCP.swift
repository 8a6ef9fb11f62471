import NIOCore
import NIOSSH

extension SSHConnection {
    /// Sends one file with the legacy SCP protocol (`scp -t DIR` on the server): the `C` header, exactly `size`
    /// bytes from `body`, and the closing `\0`, reading the sink's acknowledgement after each
    /// (see ``SCPSourceStateMachine``).
    ///
    /// Memory stays bounded: `body` is read only as fast as the channel's flow-control window lets the bytes
    /// out. The server's own message comes back as ``SSHError/Kind/remote(exitStatus:message:)`` (for an
    /// SFTP-only account: "This service allows sftp connections only."). A body that is shorter or longer than
    /// `size` fails with ``SSHError/Kind/invalidRequest``; a failed upload may leave a partial file behind.
    public func scpUpload(
        toDirectory directory: String,
        name: String,
        size: Int64,
        mode: Int32 = 0o600,
        body: some AsyncSequence<ByteBuffer, any Error> & Sendable
    ) async throws {
        let request: SCPUploadRequest
        do {
            request = try SCPUploadRequest(directory: directory, name: name, size: size, mode: mode)
        } catch {
            throw self.error(.invalidRequest, .scpStart, error.description)
        }
        let session = try await self.run(.openChannel) { _ in try await self.openCommandSession() }
        try await session.channel.executeThenClose { inbound, outbound in
            do {
                try await self.sendFile(request, session: session, inbound: inbound, outbound: outbound, body: body)
            } catch {
                await self.discard(session.channel.channel, step: .scpFinish)
                throw error
            }
        }
        self.logger.debug("ssh.scp.uploaded", metadata: ["scp.bytes": "\(request.size)"])
    }

    /// The conversation with the sink, one step (and deadline) per acknowledgement.
    private func sendFile(
        _ request: SCPUploadRequest,
        session: CommandSession,
        inbound: NIOAsyncChannelInboundStream<SSHSessionOutput>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        body: some AsyncSequence<ByteBuffer, any Error> & Sendable
    ) async throws {
        var upload = SCPUpload(machine: SCPSourceStateMachine(request: request), reader: SSHSessionReader(inbound))
        try await self.run(.scpStart) { _ in
            try await self.request(
                SSHChannelRequestEvent.ExecRequest(command: request.command, wantReply: true), on: session.channel.channel,
                reply: session.reply, refusal: "the server refused to run scp", step: .scpStart
            )
            guard case .sendHeader(let header) = try await self.nextAction(&upload, outbound, .scpStart) else {
                throw self.error(.protocolViolation, .scpStart, "the SCP sink did not start")
            }
            try await outbound.write(ByteBuffer(string: header))
            upload.machine.headerSent()
        }
        try await self.run(.scpHeader) { _ in
            guard case .sendData = try await self.nextAction(&upload, outbound, .scpHeader) else {
                throw self.error(.protocolViolation, .scpHeader, "the SCP sink did not accept the file header")
            }
        }
        try await self.run(.scpData) { deadline in
            var sent: Int64 = 0
            for try await chunk in body {
                deadline.touch()
                guard sent + Int64(chunk.readableBytes) <= request.size else {
                    throw self.error(.invalidRequest, .scpData, "the body is longer than the \(request.size) bytes announced")
                }
                if chunk.readableBytes > 0 {
                    try await outbound.write(chunk)
                    sent += Int64(chunk.readableBytes)
                }
                deadline.touch()
            }
            guard sent == request.size else {
                throw self.error(.invalidRequest, .scpData, "the body ended after \(sent) of the \(request.size) bytes announced")
            }
            try await outbound.write(ByteBuffer(bytes: [0]))
            upload.machine.dataSent()
        }
        try await self.run(.scpFinish) { _ in
            guard case .finish = try await self.nextAction(&upload, outbound, .scpFinish) else {
                throw self.error(.protocolViolation, .scpFinish, "the SCP sink did not confirm the file")
            }
            outbound.finish()
            try await upload.reader.readToEnd()
            if let status = upload.reader.exitStatus, status != 0 {
                throw self.error(.remote(exitStatus: status, message: Self.remoteMessage(upload.reader, fallback: "")), .scpFinish, "scp -t exited with status \(status)" + Self.suffix(upload.reader))
            }
        }
    }

    /// The machine and the sink's output, carried across the steps of one upload.
    struct SCPUpload {
        var machine: SCPSourceStateMachine
        var reader: SSHSessionReader
    }

    /// Reads the sink's output until the machine knows what comes next; a refusal, or a sink that ends without
    /// answering, becomes ``SSHError/Kind/remote(exitStatus:message:)`` with its exit status when it sends one.
    private func nextAction(
        _ upload: inout SCPUpload,
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        _ step: SSHStep
    ) async throws -> SCPSourceStateMachine.Action {
        while true {
            let action = upload.machine.received(&upload.reader.standardOutput)
            switch action {
            case .readMore:
                if try await !upload.reader.readMore() {
                    if !self.channel.isActive, upload.reader.exitStatus == nil {
                        throw self.error(.closed, step, "the connection ended before the SCP sink answered")
                    }
                    let message = Self.remoteMessage(upload.reader, fallback: "scp -t ended without answering")
                    throw self.error(.remote(exitStatus: upload.reader.exitStatus, message: message), step, message)
                }
            case .fail(let reply):
                let said = reply.message
                // Let the sink finish (it exits once its input ends) to learn its exit status.
                outbound.finish()
                try? await upload.reader.readToEnd()
                throw self.error(.remote(exitStatus: upload.reader.exitStatus, message: said), step, "the SCP sink refused: \(said)")
            case .sendHeader, .sendData, .finish:
                return action
            }
        }
    }

    /// Standard error (or else standard output) of a sink that failed, as a short message.
    private static func remoteMessage(_ reader: SSHSessionReader, fallback: String) -> String {
        let standardError = SSHText.excerpt(reader.standardError)
        if !standardError.isEmpty { return standardError }
        let standardOutput = SSHText.excerpt(reader.standardOutput)
        return standardOutput.isEmpty ? fallback : standardOutput
    }

    private static func suffix(_ reader: SSHSessionReader) -> String {
        let message = Self.remoteMessage(reader, fallback: "")
        return message.isEmpty ? "" : ": \(message)"
    }
}
