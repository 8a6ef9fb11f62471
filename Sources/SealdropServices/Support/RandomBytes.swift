import SealdropCrypto

/// Cryptographically secure random bytes for tokens the HTTP surfaces mint themselves (the CSRF cookie), so
/// they need not import the crypto module.
public enum RandomBytes {
    /// `count` random bytes from the system generator.
    public static func make(_ count: Int) -> [UInt8] { SecureRandom.bytes(count) }
}
