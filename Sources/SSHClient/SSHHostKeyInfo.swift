/// The host key a server presented.
public struct SSHHostKeyInfo: Sendable, Hashable {
    /// Its fingerprint as `ssh-keygen -lf` prints it.
    public var fingerprint: SSHFingerprint
    /// The key type: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ecdsa-sha2-nistp384` or `ecdsa-sha2-nistp521`.
    public var keyType: String
    /// The key as one `known_hosts`-style line without the host: `ssh-ed25519 AAAA…`.
    public var openSSHPublicKey: String

    /// Creates the record of a presented key.
    public init(fingerprint: SSHFingerprint, keyType: String, openSSHPublicKey: String) {
        self.fingerprint = fingerprint
        self.keyType = keyType
        self.openSSHPublicKey = openSSHPublicKey
    }
}
