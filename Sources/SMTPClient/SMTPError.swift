/// The one error type of ``SMTPClient``: what went wrong, where, and what the server last said.
///
/// `Kind` is an extensible struct (new kinds do not break `switch`-free callers). `description`
/// names the kind, `host:port`, the phase and a short explanation (for TLS: the TLS problem), plus
/// the server's last reply; it never contains credentials or message content.
/// `debugDescription` adds the underlying error.
public struct SMTPError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The category of failure.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case connectFailed, tlsFailed, startTLSUnavailable, authFailed, authUnavailable
            case plaintextAuthRefused, rejected, allRecipientsRejected, messageTooLarge
            case extensionUnavailable, invalidMessage, invalidConfiguration, timeout, connectionClosed
            case protocolViolation
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The TCP connection could not be opened (refused, unreachable, DNS failure).
        public static let connectFailed = Kind(.connectFailed)
        /// The TLS handshake failed, e.g. the certificate did not verify.
        public static let tlsFailed = Kind(.tlsFailed)
        /// STARTTLS is required but the server does not offer it or refused it.
        public static let startTLSUnavailable = Kind(.startTLSUnavailable)
        /// The server rejected the credentials.
        public static let authFailed = Kind(.authFailed)
        /// Credentials are configured but the server offers no usable AUTH mechanism.
        public static let authUnavailable = Kind(.authUnavailable)
        /// Credentials would have been sent in plaintext; refused by configuration.
        public static let plaintextAuthRefused = Kind(.plaintextAuthRefused)
        /// The server refused a command (greeting, MAIL, DATA or the message itself).
        public static let rejected = Kind(.rejected)
        /// Every RCPT TO was refused; the per-recipient replies are in ``SMTPError/rejectedRecipients``.
        public static let allRecipientsRejected = Kind(.allRecipientsRejected)
        /// The message exceeds the size the server announced with SIZE.
        public static let messageTooLarge = Kind(.messageTooLarge)
        /// The message needs an extension (SMTPUTF8, 8BITMIME) that the server lacks.
        public static let extensionUnavailable = Kind(.extensionUnavailable)
        /// The message cannot be sent as given (for example a line longer than 998 octets).
        public static let invalidMessage = Kind(.invalidMessage)
        /// The ``SMTPConfiguration`` cannot work (empty host, port out of range, bad EHLO name).
        public static let invalidConfiguration = Kind(.invalidConfiguration)
        /// A step took longer than its configured timeout.
        public static let timeout = Kind(.timeout)
        /// The server closed the connection unexpectedly.
        public static let connectionClosed = Kind(.connectionClosed)
        /// The server said something RFC 5321 does not allow at this point.
        public static let protocolViolation = Kind(.protocolViolation)

        public var description: String { self.base.rawValue }
    }

    /// The category of failure.
    public var kind: Kind
    /// The configured server host.
    public var host: String
    /// The configured server port.
    public var port: Int
    /// The step during which it failed.
    public var phase: SMTPPhase
    /// A short human explanation (for TLS failures: the TLS problem).
    public var message: String
    /// The last reply received from the server, if the failure followed one.
    public var lastReply: SMTPReply?
    /// For ``Kind/allRecipientsRejected``: each recipient with its reply.
    public var rejectedRecipients: [SMTPDeliveryResult.Recipient]
    /// The lower-level error (NIO, NIOSSL), if any.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(
        kind: Kind,
        host: String,
        port: Int,
        phase: SMTPPhase,
        message: String,
        lastReply: SMTPReply? = nil,
        rejectedRecipients: [SMTPDeliveryResult.Recipient] = [],
        underlying: (any Error)? = nil
    ) {
        self.kind = kind
        self.host = host
        self.port = port
        self.phase = phase
        self.message = message
        self.lastReply = lastReply
        self.rejectedRecipients = rejectedRecipients
        self.underlying = underlying
    }

    /// Whether retrying the same message later cannot help.
    ///
    /// With a server reply this is the reply class (5xx permanent, 4xx temporary). Without one,
    /// network trouble and timeouts are temporary; configuration and verification problems are not.
    public var isPermanent: Bool {
        if let reply = self.lastReply, reply.isTransientNegative || reply.isPermanentNegative {
            return reply.isPermanentNegative
        }
        switch self.kind {
        case .connectFailed, .timeout, .connectionClosed: return false
        default: return true
        }
    }

    /// `host:port`, with brackets around IPv6 literals.
    public var endpoint: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    public var description: String {
        var text = "SMTP \(self.kind) talking to \(self.endpoint) during \(self.phase): \(self.message)"
        if let reply = self.lastReply { text += " (server replied: \(reply))" }
        return text
    }

    public var debugDescription: String {
        var text = self.description
        if !self.rejectedRecipients.isEmpty {
            text += "; rejected recipients: " + self.rejectedRecipients.map { "\($0.address) \($0.reply)" }.joined(separator: ", ")
        }
        if let underlying = self.underlying { text += "; underlying error: \(String(reflecting: underlying))" }
        return text
    }
}
