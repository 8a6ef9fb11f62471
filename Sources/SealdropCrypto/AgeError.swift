/// Why an age recipient could not be parsed or an age file could not be written.
///
/// Descriptions name what is wrong but never echo the input: a pasted identity (secret key) must not reach a log.
public enum AgeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A character outside printable US-ASCII, or outside the Bech32 alphabet in the data part (0-based position).
    case invalidCharacter(position: Int)
    /// Upper- and lowercase letters are mixed; Bech32 is all one or the other.
    case mixedCase
    /// No `1` separates a non-empty prefix from the data part.
    case missingSeparator
    /// The data part is shorter than the 6-character checksum.
    case tooShort
    /// The Bech32 checksum does not match: a character was mistyped, dropped or swapped.
    case badChecksum
    /// The data part does not decode to whole bytes (more than 4 padding bits, or non-zero ones).
    case invalidPadding
    /// The Bech32 prefix is not `age`: not an age recipient at all.
    case notAnAgeRecipient
    /// An age identity (`AGE-SECRET-KEY-1…`, a secret key) was given where its public recipient belongs.
    case identityInsteadOfRecipient
    /// Another age recipient type (post-quantum, plugin, hardware tag); only X25519 (`age1…`) is supported.
    case unsupportedRecipientType
    /// The key is not 32 bytes long.
    case wrongKeyLength(Int)
    /// The key is a low-order point: every shared secret with it is zero, so it would protect nothing.
    case lowOrderKey
    /// An encryptor needs at least one recipient.
    case noRecipients
    /// `update` or `finish` was called before `header()`.
    case headerNotWritten
    /// `finish()` was already called, or an earlier call failed and the stream is broken.
    case alreadyFinished

    /// A one-line explanation, safe to log and show.
    public var description: String {
        switch self {
        case .invalidCharacter(let position): "invalid character at position \(position) of the age recipient"
        case .mixedCase: "the age recipient mixes upper- and lowercase letters"
        case .missingSeparator: "not a Bech32 string: no \"1\" after a non-empty prefix"
        case .tooShort: "the age recipient is too short for its checksum"
        case .badChecksum: "the age recipient's checksum does not match (mistyped or truncated?)"
        case .invalidPadding: "the age recipient's data part does not decode to whole bytes"
        case .notAnAgeRecipient: "not an age recipient: the prefix must be \"age1\""
        case .identityInsteadOfRecipient: "this is an age identity (secret key), not a recipient; give its public key (age-keygen -y)"
        case .unsupportedRecipientType: "unsupported age recipient type; only X25519 recipients (age1…) are supported"
        case .wrongKeyLength(let count): "the age recipient holds \(count) bytes; an X25519 key has 32"
        case .lowOrderKey: "the age recipient is a low-order X25519 point and cannot be encrypted to"
        case .noRecipients: "an age file needs at least one recipient"
        case .headerNotWritten: "the age header must be taken (header()) before the payload"
        case .alreadyFinished: "the age stream is finished or broken"
        }
    }
}
