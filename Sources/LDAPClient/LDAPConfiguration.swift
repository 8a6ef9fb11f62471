import NIOSSL

/// Everything an ``LDAPClient`` needs to reach one directory server, passed by value.
///
/// Defaults are the safe ones: TLS certificates are verified against the system roots, and a
/// password is never sent over a connection that is not encrypted.
public struct LDAPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: Sendable, Hashable {
        /// No TLS (a directory on loopback; binds then need ``LDAPConfiguration/allowBindOverPlaintext``).
        case plain
        /// `ldap://` upgraded with the StartTLS extended operation before anything else (port 389 or 3268).
        case startTLS
        /// `ldaps://`: TLS from the first byte (port 636 or 3269).
        case ldaps
    }

    /// A bind name and password; `description` never shows the password.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
        /// A DN, or for Active Directory also `DOMAIN\user` or `user@domain`.
        public var bindName: String
        /// The secret; never logged and never part of an error.
        public var password: String

        /// Creates credentials.
        public init(bindName: String, password: String) {
            self.bindName = bindName
            self.password = password
        }

        public var description: String { "Credentials(bindName: \(self.bindName), password: <redacted>)" }
        public var debugDescription: String { self.description }
    }

    /// Which certificate authorities a server certificate may chain to.
    public struct TrustRoots: Sendable, Hashable {
        /// Whether the operating system's trust store is used.
        public var useSystemRoots: Bool
        /// PEM files with extra CA certificates (the application passes `SEALDROP_TRUST_CA`).
        public var additionalPEMFiles: [String]
        /// Extra CA certificates given as PEM text.
        public var additionalPEMCertificates: [String]

        /// Creates a trust configuration.
        public init(useSystemRoots: Bool = true, additionalPEMFiles: [String] = [], additionalPEMCertificates: [String] = []) {
            self.useSystemRoots = useSystemRoots
            self.additionalPEMFiles = additionalPEMFiles
            self.additionalPEMCertificates = additionalPEMCertificates
        }

        /// The system trust store only.
        public static let system = TrustRoots()

        /// The system trust store plus the CA certificates in one PEM file.
        public static func system(plus pemFile: String) -> TrustRoots {
            TrustRoots(additionalPEMFiles: [pemFile])
        }
    }

    /// The server's host name or IP address; also the name its certificate must carry.
    public var host: String
    /// The server's TCP port (any: 389, 636, 3268, 3269 or another).
    public var port: Int
    /// How the connection is protected. Default: ``Security/startTLS``.
    public var security: Security
    /// The service account pooled connections bind as; `nil` leaves them anonymous. Default: `nil`.
    public var credentials: Credentials?
    /// Whether a bind may send its password over an unencrypted connection. Default: `false`.
    public var allowBindOverPlaintext: Bool
    /// Certificate authorities for TLS. Default: the system roots.
    public var trustRoots: TrustRoots
    /// How long each step may take. Default: see ``Timeouts``.
    public var timeouts: Timeouts
    /// Largest accepted response PDU. Default: 16 MiB.
    public var maximumMessageSize: Int
    /// Most entries and references one search response may carry before it is refused. Default: 100,000.
    public var maximumEntriesPerResponse: Int
    /// Most connections the pool opens at once. Default: 4.
    public var maximumConnections: Int

    /// Creates a configuration; only the server address is required.
    public init(
        host: String,
        port: Int,
        security: Security = .startTLS,
        credentials: Credentials? = nil,
        allowBindOverPlaintext: Bool = false,
        trustRoots: TrustRoots = .system,
        timeouts: Timeouts = Timeouts(),
        maximumMessageSize: Int = LDAPMessageFramer.defaultMaximumMessageSize,
        maximumEntriesPerResponse: Int = 100_000,
        maximumConnections: Int = 4
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.allowBindOverPlaintext = allowBindOverPlaintext
        self.trustRoots = trustRoots
        self.timeouts = timeouts
        self.maximumMessageSize = maximumMessageSize
        self.maximumEntriesPerResponse = maximumEntriesPerResponse
        self.maximumConnections = maximumConnections
    }

    /// Creates a configuration from an `ldap://host[:port]` (StartTLS) or `ldaps://host[:port]` URL.
    ///
    /// Default ports are 389 and 636; a path, query or user part is refused. Pass `security: .plain`
    /// afterwards for an `ldap://` directory without StartTLS.
    public init(url: String, credentials: Credentials? = nil, trustRoots: TrustRoots = .system) throws(LDAPError) {
        func invalid(_ message: String) -> LDAPError {
            LDAPError(kind: .invalidConfiguration, host: url, port: 0, phase: .connect, message: message)
        }
        let lower = url.lowercased()
        let security: Security
        let rest: Substring
        if lower.hasPrefix("ldap://") {
            security = .startTLS
            rest = url.dropFirst(7)
        } else if lower.hasPrefix("ldaps://") {
            security = .ldaps
            rest = url.dropFirst(8)
        } else {
            throw invalid("the directory URL must start with ldap:// or ldaps://")
        }
        var authority = rest
        if authority.last == "/" { authority = authority.dropLast() }
        if authority.contains(where: { "/?@#".contains($0) }) {
            throw invalid("the directory URL may only name a host and a port")
        }
        var host = authority
        var port = security == .ldaps ? 636 : 389
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unclosed IPv6 address in the directory URL") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else { throw invalid("invalid port in the directory URL") }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]) else { throw invalid("invalid port in the directory URL") }
            port = value
        }
        self.init(host: String(host), port: port, security: security, credentials: credentials, trustRoots: trustRoots)
        try self.validate()
    }

    /// Checks the values once, so a bad configuration fails at start with one clear line.
    public func validate() throws(LDAPError) {
        func invalid(_ message: String) -> LDAPError {
            LDAPError(kind: .invalidConfiguration, host: self.host, port: self.port, phase: .connect, message: message)
        }
        if self.host.isEmpty { throw invalid("the directory host is empty") }
        if !(1...65535).contains(self.port) { throw invalid("the directory port must be between 1 and 65535") }
        if let credentials {
            if credentials.bindName.isEmpty { throw invalid("the bind name is empty") }
            // RFC 4513 §5.1.2: a name with an empty password is an "unauthenticated bind" that succeeds.
            if credentials.password.isEmpty { throw invalid("the bind password is empty") }
        }
        if !self.trustRoots.useSystemRoots && self.trustRoots.additionalPEMFiles.isEmpty && self.trustRoots.additionalPEMCertificates.isEmpty {
            throw invalid("TLS trust roots are empty: enable the system roots or name a PEM file")
        }
        if self.maximumMessageSize < 1024 { throw invalid("the maximum message size must be at least 1024 bytes") }
        if self.maximumConnections < 1 { throw invalid("the pool needs at least one connection") }
        if self.maximumEntriesPerResponse < 1 { throw invalid("the entry limit must be at least 1") }
    }

    /// Per-step time limits; each applies to one step, not to a whole session.
    public struct Timeouts: Sendable, Hashable {
        /// TCP connect. Default: 10 s.
        public var connect: Duration
        /// TLS handshake, implicit or after StartTLS. Default: 10 s.
        public var tlsHandshake: Duration
        /// The StartTLS extended operation's answer. Default: 10 s.
        public var startTLS: Duration
        /// A bind's answer. Default: 10 s.
        public var bind: Duration
        /// One search (one page of a paged search), from request to `searchResultDone`. Default: 30 s.
        public var search: Duration
        /// Waiting for a free pooled connection while ``LDAPConfiguration/maximumConnections`` are lent out.
        /// Default: 30 s.
        public var connectionWait: Duration

        /// Creates timeouts.
        public init(
            connect: Duration = .seconds(10),
            tlsHandshake: Duration = .seconds(10),
            startTLS: Duration = .seconds(10),
            bind: Duration = .seconds(10),
            search: Duration = .seconds(30),
            connectionWait: Duration = .seconds(30)
        ) {
            self.connect = connect
            self.tlsHandshake = tlsHandshake
            self.startTLS = startTLS
            self.bind = bind
            self.search = search
            self.connectionWait = connectionWait
        }

        /// The same limit for every step (handy in tests).
        public static func uniform(_ limit: Duration) -> Timeouts {
            Timeouts(connect: limit, tlsHandshake: limit, startTLS: limit, bind: limit, search: limit, connectionWait: limit)
        }

        /// The limit for `phase`.
        func limit(for phase: LDAPPhase) -> Duration {
            switch phase {
            case .connectionWait: self.connectionWait
            case .connect: self.connect
            case .tlsHandshake: self.tlsHandshake
            case .startTLS: self.startTLS
            case .bind: self.bind
            case .search: self.search
            case .unbind: min(self.bind, .seconds(2))
            }
        }
    }

    /// `host:port`, with brackets around IPv6 literals.
    var endpoint: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }
}
