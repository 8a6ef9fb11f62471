/// Which server host key the client accepts. Host keys are always checked against a pinned fingerprint, except
/// for the administrator's first contact.
public enum SSHHostKeyPolicy: Sendable, Hashable {
    /// Only a host key with this fingerprint; any other fails the connection before authentication.
    case pinned(SSHFingerprint)
    /// Any host key, recorded in ``SSHConnection/hostKey`` for the administrator to accept ("test connection").
    /// The caller must not write anything over such a connection.
    case reportOnly
}
