/// Everything an ``SMTPClient`` needs to reach one submission server, passed by value.
///
/// Defaults are the safe ones: TLS certificates are verified against the system roots, and
/// credentials are never sent over a connection that is not encrypted.
public struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: Sendable, Hashable {
        /// No TLS at all (a trusted relay on loopback or a private network).
        case plain
        /// Upgrade with STARTTLS when the server offers it, otherwise continue in plaintext (port 25).
        case startTLSIfAvailable
        /// Upgrade with STARTTLS and fail when the server does not offer it (submission, port 587).
        case startTLSRequired
        /// TLS from the first byte (submissions, port 465, RFC 8314).
        case implicitTLS
    }

    /// A username and password for SMTP AUTH; `description` never shows the password.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
        /// The authentication identity.
        public var username: String
        /// The secret; never logged and never part of an error.
        public var password: String

        /// Creates credentials.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        public var description: String { "Credentials(username: \(self.username), password: <redacted>)" }
        public var debugDescription: String { self.description }
    }

    /// Which certificate authorities a server certificate may chain to.
    public struct TrustRoots: Sendable, Hashable {
        /// Whether the operating system's trust store is used.
        public var useSystemRoots: Bool
        /// PEM files with extra CA certificates (for example `SEALDROP_TRUST_CA`).
        public var additionalPEMFiles: [String]

        /// Creates a trust configuration.
        public init(useSystemRoots: Bool = true, additionalPEMFiles: [String] = []) {
            self.useSystemRoots = useSystemRoots
            self.additionalPEMFiles = additionalPEMFiles
        }

        /// The system trust store only.
        public static let system = TrustRoots()

        /// The system trust store plus the CA certificates in one PEM bundle.
        public static func system(plus pemFile: String) -> TrustRoots {
            TrustRoots(additionalPEMFiles: [pemFile])
        }
    }

    /// The server's host name or IP address; also the name the certificate must carry.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// How the connection is protected. Default: ``Security/startTLSRequired``.
    public var security: Security
    /// Credentials for AUTH; `nil` sends mail without authenticating. Default: `nil`.
    public var credentials: Credentials?
    /// Whether AUTH may be sent over a connection that is not encrypted. Default: `false`.
    public var allowAuthOverPlaintext: Bool
    /// Certificate authorities for TLS. Default: the system roots.
    public var trustRoots: TrustRoots
    /// The client's name in EHLO/HELO. Default: `localhost`.
    public var ehloName: String
    /// How long each protocol step may take. Default: RFC 5321 §4.5.3.2 values.
    public var timeouts: Timeouts

    /// Creates a configuration; only the server address is required.
    public init(
        host: String,
        port: Int,
        security: Security = .startTLSRequired,
        credentials: Credentials? = nil,
        allowAuthOverPlaintext: Bool = false,
        trustRoots: TrustRoots = .system,
        ehloName: String = "localhost",
        timeouts: Timeouts = Timeouts()
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.allowAuthOverPlaintext = allowAuthOverPlaintext
        self.trustRoots = trustRoots
        self.ehloName = ehloName
        self.timeouts = timeouts
    }

    /// Checks the values once, so a bad configuration fails at start with one clear line.
    public func validate() throws(SMTPError) {
        func invalid(_ message: String) -> SMTPError {
            SMTPError(kind: .invalidConfiguration, host: self.host, port: self.port, phase: .connect, message: message)
        }
        if self.host.isEmpty { throw invalid("the SMTP host is empty") }
        if !(1...65535).contains(self.port) { throw invalid("the SMTP port must be between 1 and 65535") }
        // The EHLO name is pasted into a command line: no spaces or control characters.
        if self.ehloName.isEmpty || self.ehloName.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
            throw invalid("the EHLO name must be a non-empty ASCII domain or address literal")
        }
        if let credentials, credentials.username.isEmpty {
            throw invalid("SMTP credentials have an empty username")
        }
        if !self.trustRoots.useSystemRoots && self.trustRoots.additionalPEMFiles.isEmpty {
            throw invalid("TLS trust roots are empty: enable the system roots or name a PEM bundle")
        }
    }

    /// Whether the session starts encrypted.
    var startsEncrypted: Bool { self.security == .implicitTLS }
}
