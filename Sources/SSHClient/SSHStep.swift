/// The step of an SSH conversation; labels errors and picks the timeout.
public enum SSHStep: String, Sendable, Hashable, CustomStringConvertible {
    /// Opening the TCP connection (``SSHClientConfiguration/connectTimeout``).
    case connect
    /// Version exchange, key exchange, host key check and user authentication
    /// (``SSHClientConfiguration/authenticationTimeout``).
    case handshake
    /// Opening a session channel (``SSHClientConfiguration/requestTimeout`` from here on).
    case openChannel
    /// Starting a subsystem and waiting for the server's answer.
    case subsystem
    /// Running a command until it exits.
    case exec
    /// Starting `scp -t` and waiting for its first acknowledgement.
    case scpStart
    /// Sending the file's `C` header and waiting for its acknowledgement.
    case scpHeader
    /// Sending the file's bytes (the limit applies to a stall, not to the whole transfer).
    case scpData
    /// Waiting for the acknowledgement of the whole file and the end of `scp -t`.
    case scpFinish

    public var description: String { self.rawValue }
}
