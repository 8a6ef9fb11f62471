@preconcurrency import Crypto
import Foundation

/// An age X25519 recipient: the public key an `age1…` string names (https://c2sp.org/age, "The X25519 recipient type").
///
/// Parsing verifies the Bech32 checksum, the `age` prefix, the 32-byte length and that the key is not a low-order
/// point; `description` is the canonical lowercase string.
public struct AgeRecipient: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte X25519 public key (RFC 7748 u-coordinate).
    public let publicKey: [UInt8]

    /// Parses `age1…`, all lowercase or all uppercase; the error names what is wrong without echoing the text.
    public init(parsing text: String) throws(AgeError) {
        let (prefix, data) = try Bech32.decode(text)
        guard prefix == AgeFormat.recipientPrefix else {
            if prefix.hasPrefix(AgeFormat.identityPrefix) { throw .identityInsteadOfRecipient }
            if prefix.hasPrefix(AgeFormat.recipientPrefix) { throw .unsupportedRecipientType }
            throw .notAnAgeRecipient
        }
        try self.init(rawPublicKey: data)
    }

    /// The recipient for an X25519 public key.
    public init(publicKey: Curve25519.KeyAgreement.PublicKey) throws(AgeError) {
        try self.init(rawPublicKey: Array(publicKey.rawRepresentation))
    }

    /// Checks length and order, so every recipient value can be encrypted to.
    private init(rawPublicKey: [UInt8]) throws(AgeError) {
        guard rawPublicKey.count == AgeFormat.keySize else { throw .wrongKeyLength(rawPublicKey.count) }
        // A clamped scalar is a multiple of 8, so X25519 with any fixed one is zero exactly on low-order points.
        guard (try? Self.sharedSecret(Self.orderProbe, rawPublicKey)) != nil else { throw .lowOrderKey }
        publicKey = rawPublicKey
    }

    /// The canonical lowercase `age1…` string.
    public var description: String {
        Bech32.encode(humanReadablePart: AgeFormat.recipientPrefix, data: publicKey)
    }

    /// The `X25519` stanza wrapping `fileKey` for this recipient under a fresh ephemeral key.
    ///
    /// salt = ephemeral share ‖ recipient; wrap key = HKDF-SHA-256(shared secret, salt, "age-encryption.org/v1/X25519");
    /// body = ChaCha20-Poly1305(wrap key, zero nonce, file key).
    func stanza(wrapping fileKey: [UInt8]) throws -> AgeStanza {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let share = Array(ephemeral.publicKey.rawRepresentation)
        let secret = try Self.sharedSecret(ephemeral, publicKey)
        let wrapKey = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: share + publicKey, sharedInfo: Array(AgeFormat.x25519Label.utf8),
            outputByteCount: AgeFormat.keySize
        )
        let box = try ChaChaPoly.seal(fileKey, using: wrapKey, nonce: ChaChaPoly.Nonce(data: AgeFormat.zeroNonce))
        return AgeStanza(arguments: [AgeFormat.x25519StanzaType, AgeFormat.base64(share)], body: Array(box.ciphertext) + Array(box.tag))
    }

    /// X25519(`privateKey`, `publicKey`); throws `lowOrderKey` when the result is all zero (some backends throw first).
    private static func sharedSecret(_ privateKey: Curve25519.KeyAgreement.PrivateKey, _ publicKey: [UInt8]) throws -> SharedSecret {
        let peer = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey)
        let secret = try privateKey.sharedSecretFromKeyAgreement(with: peer)
        guard secret.withUnsafeBytes({ $0.contains { $0 != 0 } }) else { throw AgeError.lowOrderKey }
        return secret
    }

    /// A fixed private key, only used to detect low-order public keys.
    private static let orderProbe = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))
}
