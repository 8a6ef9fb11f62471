import Crypto
import Foundation
import NIOSSH

/// A client key for public-key authentication: Ed25519 or ECDSA (P-256, P-384, P-521), the types swift-nio-ssh signs
/// with. Read from an OpenSSH private key file or generated here; `description` shows the type and fingerprint only.
public struct SSHPrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key itself. `@unchecked`: swift-crypto 3.x keys are immutable values not yet marked `Sendable`
    /// (swift-nio-ssh's `NIOSSHPrivateKey` wraps the same keys and is `Sendable`).
    enum Storage: @unchecked Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
    }

    let storage: Storage
    /// The comment stored with the key (often `user@host`); empty when none.
    public let comment: String

    init(storage: Storage, comment: String) {
        self.storage = storage
        self.comment = comment
    }

    /// Reads an `openssh-key-v1` file (`-----BEGIN OPENSSH PRIVATE KEY-----`): unencrypted, or encrypted with
    /// aes256-ctr / aes256-gcm@openssh.com (and their 128/192-bit siblings) under the bcrypt KDF.
    ///
    /// Throws ``SSHKeyError``: RSA and DSA keys are refused by name, a missing or wrong passphrase is said so.
    public init(openSSH text: String, passphrase: String? = nil) throws {
        let decoded = try OpenSSHKeyFile.decode(text, passphrase: passphrase)
        self.init(storage: decoded.key, comment: decoded.comment)
    }

    /// A new random Ed25519 key.
    public static func generateEd25519(comment: String = "") -> SSHPrivateKey {
        SSHPrivateKey(storage: .ed25519(Curve25519.Signing.PrivateKey()), comment: comment)
    }

    /// The key as an unencrypted `openssh-key-v1` file that `ssh-keygen` and `ssh` read (Sealdrop stores it sealed).
    public var openSSHText: String {
        OpenSSHKeyFile.encode(self.storage, comment: self.comment)
    }

    /// The public key as one `authorized_keys` line: `ssh-ed25519 AAAA… comment`.
    public func publicKeyLine(comment: String) -> String {
        let line = "\(self.keyType) \(Data(self.publicKeyBlob).base64EncodedString())"
        let trimmed = comment.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
        return trimmed.isEmpty ? line : "\(line) \(trimmed)"
    }

    /// The SSH name of the key type: `ssh-ed25519` or `ecdsa-sha2-nistp256` / `-nistp384` / `-nistp521`.
    public var keyType: String { self.storage.keyType }

    /// The public key's fingerprint as `ssh-keygen -lf` prints it.
    public var publicKeyFingerprint: SSHFingerprint { SSHFingerprint(keyBlob: self.publicKeyBlob) }

    public var description: String { "SSHPrivateKey(\(self.keyType), \(self.publicKeyFingerprint))" }

    public var debugDescription: String { self.description }

    /// The public key in its wire encoding (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4).
    var publicKeyBlob: [UInt8] { self.storage.publicKeyBlob }

    /// The key as swift-nio-ssh signs with it.
    var nioPrivateKey: NIOSSHPrivateKey {
        switch self.storage {
        case .ed25519(let key): NIOSSHPrivateKey(ed25519Key: key)
        case .p256(let key): NIOSSHPrivateKey(p256Key: key)
        case .p384(let key): NIOSSHPrivateKey(p384Key: key)
        case .p521(let key): NIOSSHPrivateKey(p521Key: key)
        }
    }
}

extension SSHPrivateKey.Storage {
    /// The SSH key type name.
    var keyType: String {
        switch self {
        case .ed25519: "ssh-ed25519"
        case .p256: "ecdsa-sha2-nistp256"
        case .p384: "ecdsa-sha2-nistp384"
        case .p521: "ecdsa-sha2-nistp521"
        }
    }

    /// The ECDSA curve identifier (RFC 5656 §6.1); nil for Ed25519.
    var curveName: String? {
        switch self {
        case .ed25519: nil
        case .p256: "nistp256"
        case .p384: "nistp384"
        case .p521: "nistp521"
        }
    }

    /// The public part as the key file and the wire carry it: Ed25519's 32 bytes, or ECDSA's uncompressed point Q.
    var publicKeyBytes: [UInt8] {
        switch self {
        case .ed25519(let key): Array(key.publicKey.rawRepresentation)
        case .p256(let key): Array(key.publicKey.x963Representation)
        case .p384(let key): Array(key.publicKey.x963Representation)
        case .p521(let key): Array(key.publicKey.x963Representation)
        }
    }

    /// The public key blob: `string type`, then `string key` (Ed25519) or `string curve, string Q` (ECDSA).
    var publicKeyBlob: [UInt8] {
        var writer = SSHWireWriter()
        writer.writeString(self.keyType)
        if let curveName { writer.writeString(curveName) }
        writer.writeString(self.publicKeyBytes)
        return writer.bytes
    }
}
