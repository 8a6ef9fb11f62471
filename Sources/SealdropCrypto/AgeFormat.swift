@preconcurrency import Crypto
import Foundation

/// Constants and small encodings of the age v1 format (https://c2sp.org/age).
enum AgeFormat {
    /// First header line, without its line feed.
    static let versionLine = "age-encryption.org/v1"
    /// Bech32 prefix of X25519 recipients.
    static let recipientPrefix = "age"
    /// Bech32 prefix of every age identity (secret key), native or plugin.
    static let identityPrefix = "age-secret-key-"
    /// First argument of an X25519 stanza.
    static let x25519StanzaType = "X25519"
    /// HKDF info of the X25519 wrap key.
    static let x25519Label = "age-encryption.org/v1/X25519"
    /// HKDF info of the header MAC key.
    static let headerLabel = "header"
    /// HKDF info of the payload key.
    static let payloadLabel = "payload"
    /// X25519 keys and every derived key are 32 bytes.
    static let keySize = 32
    /// The file key is 128 bits.
    static let fileKeySize = 16
    /// The payload nonce written after the header.
    static let payloadNonceSize = 16
    /// Plaintext bytes per STREAM chunk (64 KiB); only the last may be shorter.
    static let chunkSize = 64 * 1024
    /// Poly1305 tag after each chunk's ciphertext.
    static let tagSize = 16
    /// Stanza bodies are wrapped at this many base64 characters.
    static let columns = 64
    /// The fixed ChaCha20-Poly1305 nonce of stanza bodies.
    static let zeroNonce = [UInt8](repeating: 0, count: 12)

    /// Standard base64 without `=` padding.
    static func base64(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.last == "=" { text.removeLast() }
        return text
    }

    /// HKDF-SHA-256 of `ikm` with `salt` and `info`, 32 bytes.
    static func derive(_ ikm: [UInt8], salt: [UInt8], info: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: ikm), salt: salt, info: Array(info.utf8), outputByteCount: keySize
        )
    }

    /// The chunk nonce: 11-byte big-endian `counter`, then 0x01 for the final chunk, 0x00 before it.
    static func chunkNonce(counter: UInt64, isLast: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { nonce[3 + i] = UInt8(truncatingIfNeeded: counter >> (8 * (7 - i))) }
        nonce[11] = isLast ? 1 : 0
        return nonce
    }

    /// Payload bytes (nonce and sealed chunks) for `plaintextSize` bytes: one tag per chunk, one chunk when empty.
    static func payloadSize(plaintextSize: Int64) -> Int64 {
        let chunks = max(1, (plaintextSize + Int64(chunkSize) - 1) / Int64(chunkSize))
        return Int64(payloadNonceSize) + plaintextSize + chunks * Int64(tagSize)
    }
}
