/// The step of a directory conversation; selects the timeout and labels errors.
public enum LDAPPhase: String, Sendable, Hashable, CustomStringConvertible {
    /// Waiting for a pooled connection while all of them are lent out.
    case connectionWait
    /// Opening the TCP connection.
    case connect
    /// The TLS handshake (LDAPS, or after StartTLS).
    case tlsHandshake
    /// The StartTLS extended operation.
    case startTLS
    /// A bind.
    case bind
    /// A search (one page).
    case search
    /// The closing unbind.
    case unbind

    public var description: String { self.rawValue }
}
