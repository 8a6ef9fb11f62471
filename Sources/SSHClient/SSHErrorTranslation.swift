import NIOCore
import NIOPosix
import NIOSSH

/// Maps NIO and swift-nio-ssh failures to ``SSHError``, using what the pipeline recorded about the connection.
enum SSHErrorTranslation {
    /// The error for a failure of `step`.
    static func translate(_ error: any Error, step: SSHStep, configuration: SSHClientConfiguration, state: SSHConnectionState) -> SSHError {
        func make(_ kind: SSHError.Kind, _ message: String) -> SSHError {
            SSHError(kind: kind, host: configuration.host, port: configuration.port, step: step, message: message, underlying: error)
        }
        if let sshError = error as? SSHError { return sshError }
        // A channel operation that failed because the connection ended: the connection's own error says why.
        if Self.isClosure(error), let first = state.firstError, !Self.isClosure(first) {
            var translated = Self.translate(first, step: step, configuration: configuration, state: state)
            translated.step = step
            return translated
        }
        if let nioSSH = error as? NIOSSHError {
            switch nioSSH.type {
            case .keyExchangeNegotiationFailure:
                return make(.noCommonAlgorithm, Self.negotiationMessage(state))
            case .channelSetupRejected:
                return make(.channel, "the server refused to open a session channel (\(nioSSH))")
            case .creatingChannelAfterClosure, .tcpShutdown:
                return make(.closed, "the connection is closed")
            case .unsupportedVersion:
                return make(.protocolViolation, "the server does not speak SSH 2.0 (\(state.serverVersion ?? "no identification line"))")
            default:
                return make(.protocolViolation, "\(nioSSH)")
            }
        }
        if let request = error as? SCPRequestError { return make(.invalidRequest, request.description) }
        if error is SSHChannelRequestRefused { return make(.channel, "the server refused the request") }
        if let ioError = error as? IOError { return make(.closed, "the connection failed (\(ioError))") }
        if Self.isClosure(error) {
            if step == .handshake {
                if let algorithms = state.serverAlgorithms, let mismatch = SSHAlgorithmNegotiation.mismatch(server: algorithms) {
                    return make(.noCommonAlgorithm, mismatch)
                }
                if state.serverVersion == nil {
                    return make(.closed, "the server closed the connection before identifying itself")
                }
                return make(.closed, "the server (\(state.serverVersion ?? "")) closed the connection during the handshake")
            }
            return make(.closed, "the server closed the connection")
        }
        return make(.protocolViolation, "\(error)")
    }

    /// The error for a TCP connection that could not be opened.
    static func connectFailure(_ error: any Error, configuration: SSHClientConfiguration) -> SSHError {
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return SSHError(
                kind: .timeout(.connect), host: configuration.host, port: configuration.port, step: .connect,
                message: "no TCP connection within \(configuration.connectTimeout)", underlying: error
            )
        }
        return SSHError(
            kind: .connect, host: configuration.host, port: configuration.port, step: .connect,
            message: "could not connect (\(Self.describeConnectError(error)))", underlying: error
        )
    }

    /// Why the key exchange found nothing in common, from the server's KEXINIT.
    private static func negotiationMessage(_ state: SSHConnectionState) -> String {
        if let algorithms = state.serverAlgorithms, let mismatch = SSHAlgorithmNegotiation.mismatch(server: algorithms) {
            return mismatch
        }
        return "the server and swift-nio-ssh share no key exchange, host key, cipher or MAC algorithm "
            + "(this client has Ed25519/ECDSA host keys, ECDH/Curve25519 key exchange and AES-GCM only)"
    }

    /// Whether `error` only says that the channel or connection is gone.
    static func isClosure(_ error: any Error) -> Bool {
        if let channelError = error as? ChannelError {
            switch channelError {
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: return true
            default: return false
            }
        }
        return error is NIOAsyncWriterError || error is CancellationError
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
}
