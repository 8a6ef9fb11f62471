import Foundation

/// Everything an ``SSHConnection`` needs to reach one server, passed by value.
///
/// Named like swift-nio-ssh's own `SSHClientConfiguration`, which this module reaches as `NIOSSH.SSHClientConfiguration`.
public struct SSHClientConfiguration: Sendable {
    /// The server's host name or IP address.
    public var host: String
    /// The server's TCP port. Default: 22.
    public var port: Int
    /// The account to log in as.
    public var username: String
    /// How to log in.
    public var authentication: SSHAuthentication
    /// Which host key to accept.
    public var hostKey: SSHHostKeyPolicy
    /// Opening the TCP connection. Default: 10 s.
    public var connectTimeout: Duration
    /// From the open connection to a successful login (key exchange and authentication). Default: 20 s.
    public var authenticationTimeout: Duration
    /// Each channel step: opening it, starting a subsystem or command, a command's run, each SCP acknowledgement,
    /// and a stall while sending data. Default: 60 s. A step that passes it closes the connection.
    public var requestTimeout: Duration

    /// Creates a configuration.
    public init(
        host: String,
        port: Int = 22,
        username: String,
        authentication: SSHAuthentication,
        hostKey: SSHHostKeyPolicy,
        connectTimeout: Duration = .seconds(10),
        authenticationTimeout: Duration = .seconds(20),
        requestTimeout: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.authentication = authentication
        self.hostKey = hostKey
        self.connectTimeout = connectTimeout
        self.authenticationTimeout = authenticationTimeout
        self.requestTimeout = requestTimeout
    }

    /// `host:port`, with brackets around an IPv6 literal.
    var endpoint: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// The limit of a step.
    func limit(for step: SSHStep) -> Duration {
        switch step {
        case .connect: self.connectTimeout
        case .handshake: self.authenticationTimeout
        case .openChannel, .subsystem, .exec, .scpStart, .scpHeader, .scpData, .scpFinish: self.requestTimeout
        }
    }

    /// Refuses a configuration that cannot work, with one line saying why.
    func validate() throws(SSHError) {
        func refuse(_ message: String) -> SSHError {
            SSHError(kind: .invalidConfiguration, host: self.host, port: self.port, step: .connect, message: message)
        }
        if self.host.trimmingCharacters(in: .whitespaces).isEmpty { throw refuse("the host is empty") }
        if !(1...65535).contains(self.port) { throw refuse("the port \(self.port) is not between 1 and 65535") }
        if self.username.isEmpty { throw refuse("the username is empty") }
        if case .password(let password) = self.authentication, password.isEmpty { throw refuse("the password is empty") }
        for (name, limit) in [("connect", self.connectTimeout), ("authentication", self.authenticationTimeout), ("request", self.requestTimeout)]
        where limit <= .zero {
            throw refuse("the \(name) timeout must be positive")
        }
    }
}
