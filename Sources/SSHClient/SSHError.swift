/// The one error type of ``SSHConnection``: what went wrong, with which server, in which step.
///
/// `description` names the kind, `host:port`, the step and a short explanation (for a host key mismatch both
/// fingerprints); it never contains a password, a key or a passphrase. `debugDescription` adds the underlying error.
public struct SSHError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The category of failure.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// The TCP connection could not be opened (refused, unreachable, DNS failure).
        case connect
        /// A step took longer than its limit; the connection was closed.
        case timeout(SSHStep)
        /// The server presented a host key other than the pinned one; nothing was sent after the key exchange.
        case hostKeyMismatch(expected: SSHFingerprint, presented: SSHFingerprint)
        /// The server refused the password or key, or accepts neither method.
        case authentication
        /// Client and server share no key exchange, host key, cipher or MAC algorithm (RSA-only or
        /// chacha20-only servers: swift-nio-ssh has only Ed25519/ECDSA keys and AES-GCM).
        case noCommonAlgorithm
        /// The server refused to open a channel, start a subsystem or run a command.
        case channel
        /// The remote command failed: its exit status (when it sent one) and what it said.
        case remote(exitStatus: Int?, message: String)
        /// The server sent something that is not SSH or does not fit the protocol.
        case protocolViolation
        /// The connection ended unexpectedly (server gone, connection reset, or closed by ``SSHConnection/close()``).
        case closed
        /// The caller's task was cancelled; the connection was closed.
        case cancelled
        /// The ``SSHClientConfiguration`` cannot work.
        case invalidConfiguration
        /// The request cannot be sent as given (a file name with a slash, a body longer than its size).
        case invalidRequest

        public var description: String {
            switch self {
            case .connect: "connect failed"
            case .timeout(let step): "timeout (\(step))"
            case .hostKeyMismatch: "host key mismatch"
            case .authentication: "authentication failed"
            case .noCommonAlgorithm: "no common algorithm"
            case .channel: "channel refused"
            case .remote(let exitStatus, _): exitStatus.map { "remote failure (exit status \($0))" } ?? "remote failure"
            case .protocolViolation: "protocol violation"
            case .closed: "connection closed"
            case .cancelled: "cancelled"
            case .invalidConfiguration: "invalid configuration"
            case .invalidRequest: "invalid request"
            }
        }
    }

    /// The category of failure.
    public var kind: Kind
    /// The configured server host.
    public var host: String
    /// The configured server port.
    public var port: Int
    /// The step during which it failed.
    public var step: SSHStep
    /// A short human explanation.
    public var message: String
    /// The lower-level error (NIO, swift-nio-ssh), if any.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(kind: Kind, host: String, port: Int, step: SSHStep, message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.step = step
        self.message = message
        self.underlying = underlying
    }

    /// Whether trying again later may help (the server was down, slow or dropped the connection).
    public var isTransient: Bool {
        switch self.kind {
        case .connect, .timeout, .closed: true
        default: false
        }
    }

    /// `host:port`, with brackets around an IPv6 literal.
    public var endpoint: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    public var description: String {
        "SSH \(self.kind) talking to \(self.endpoint) during \(self.step): \(self.message)"
    }

    public var debugDescription: String {
        var text = self.description
        if let underlying = self.underlying { text += "; underlying error: \(String(reflecting: underlying))" }
        return text
    }
}
