/// The one error type of ``LDAPClient``: what went wrong, with which server, in which step, and what the
/// server said.
///
/// `Kind` is an extensible struct (new kinds do not break callers). `description` names the kind,
/// `host:port`, the phase and a short explanation, plus the server's result and, for Active Directory
/// binds, the sub-code in words; it never contains a password. `debugDescription` adds the underlying error.
public struct LDAPError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The category of failure.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case connectFailed, tlsFailed, startTLSRefused, invalidCredentials, bindFailed, plaintextBindRefused
            case operationFailed, timeout, connectionClosed, protocolViolation, invalidConfiguration, invalidRequest
            case poolShutDown, tooManyEntries, cancelled
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The TCP connection could not be opened (refused, unreachable, DNS failure).
        public static let connectFailed = Kind(.connectFailed)
        /// The TLS handshake failed, for example the certificate did not verify.
        public static let tlsFailed = Kind(.tlsFailed)
        /// The server refused the StartTLS extended operation.
        public static let startTLSRefused = Kind(.startTLSRefused)
        /// The bind was refused with `invalidCredentials (49)`; see ``LDAPError/activeDirectoryBindError``.
        public static let invalidCredentials = Kind(.invalidCredentials)
        /// The bind was refused with another result code.
        public static let bindFailed = Kind(.bindFailed)
        /// A bind would have sent its password unencrypted; refused by configuration.
        public static let plaintextBindRefused = Kind(.plaintextBindRefused)
        /// The server answered a search with an error result (in ``LDAPError/result``).
        public static let operationFailed = Kind(.operationFailed)
        /// A step took longer than its configured timeout.
        public static let timeout = Kind(.timeout)
        /// The connection ended unexpectedly (or the server sent a Notice of Disconnection).
        public static let connectionClosed = Kind(.connectionClosed)
        /// The server sent bytes that are not LDAP, or an answer that does not fit the request.
        public static let protocolViolation = Kind(.protocolViolation)
        /// The ``LDAPConfiguration`` cannot work.
        public static let invalidConfiguration = Kind(.invalidConfiguration)
        /// The request cannot be sent as given (invalid filter attribute, empty password).
        public static let invalidRequest = Kind(.invalidRequest)
        /// The client was shut down.
        public static let poolShutDown = Kind(.poolShutDown)
        /// A paged search matched more entries than the caller allowed.
        public static let tooManyEntries = Kind(.tooManyEntries)
        /// The caller's task was cancelled; a search in flight was abandoned and its connection closed.
        public static let cancelled = Kind(.cancelled)

        public var description: String { self.base.rawValue }
    }

    /// The category of failure.
    public var kind: Kind
    /// The configured server host.
    public var host: String
    /// The configured server port.
    public var port: Int
    /// The step during which it failed.
    public var phase: LDAPPhase
    /// A short human explanation (for TLS failures: the TLS problem).
    public var message: String
    /// The server's result, when the failure is its answer.
    public var result: LDAPResult?
    /// The lower-level error (NIO, NIOSSL, decoding), if any.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(
        kind: Kind,
        host: String,
        port: Int,
        phase: LDAPPhase,
        message: String,
        result: LDAPResult? = nil,
        underlying: (any Error)? = nil
    ) {
        self.kind = kind
        self.host = host
        self.port = port
        self.phase = phase
        self.message = message
        self.result = result
        self.underlying = underlying
    }

    /// For a refused Active Directory bind: the `data NNN` sub-code of the diagnostic message.
    public var activeDirectoryBindError: ActiveDirectoryBindError? { self.result?.activeDirectoryBindError }

    /// Whether trying again later may help (the directory was down, slow or dropped the connection).
    public var isTransient: Bool {
        switch self.kind {
        case .connectFailed, .timeout, .connectionClosed: true
        case .operationFailed, .bindFailed:
            [LDAPResultCode.busy, .unavailable, .timeLimitExceeded, .adminLimitExceeded].contains(self.result?.resultCode)
        default: false
        }
    }

    /// `host:port`, with brackets around IPv6 literals.
    public var endpoint: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    public var description: String {
        var text = "LDAP \(self.kind) talking to \(self.endpoint) during \(self.phase): \(self.message)"
        if let adError = self.activeDirectoryBindError { text += ": \(adError)" }
        if let result = self.result { text += " (server replied: \(result))" }
        return text
    }

    public var debugDescription: String {
        var text = self.description
        if let underlying = self.underlying { text += "; underlying error: \(String(reflecting: underlying))" }
        return text
    }
}
