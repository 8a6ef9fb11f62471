/// How the client proves who it is; `description` never shows the password or the key.
public enum SSHAuthentication: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Password authentication (RFC 4252 §8).
    case password(String)
    /// Public-key authentication (RFC 4252 §7) with an Ed25519 or ECDSA key.
    case privateKey(SSHPrivateKey)

    /// The RFC 4252 method name.
    var methodName: String {
        switch self {
        case .password: "password"
        case .privateKey: "publickey"
        }
    }

    public var description: String {
        switch self {
        case .password: "password(<redacted>)"
        case .privateKey(let key): "privateKey(\(key.keyType), \(key.publicKeyFingerprint))"
        }
    }

    public var debugDescription: String { self.description }
}
