/// Why an SSH private key could not be read; `description` says what to do and never shows key material or the
/// passphrase.
public struct SSHKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The category of failure.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidFormat, unsupportedKeyType, unsupportedEncryption, passphraseRequired, wrongPassphrase
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Not an OpenSSH private key file, or a damaged one.
        public static let invalidFormat = Kind(.invalidFormat)
        /// A key type this client cannot use (RSA, DSA, security keys).
        public static let unsupportedKeyType = Kind(.unsupportedKeyType)
        /// The file is encrypted with a cipher or KDF this reader does not know.
        public static let unsupportedEncryption = Kind(.unsupportedEncryption)
        /// The file is encrypted and no passphrase was given.
        public static let passphraseRequired = Kind(.passphraseRequired)
        /// The passphrase does not open the file.
        public static let wrongPassphrase = Kind(.wrongPassphrase)

        public var description: String { self.base.rawValue }
    }

    /// The category of failure.
    public var kind: Kind
    /// A short explanation.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "SSH private key (\(self.kind)): \(self.message)" }

    static func invalidFormat(_ message: String) -> SSHKeyError { SSHKeyError(kind: .invalidFormat, message: message) }
}
