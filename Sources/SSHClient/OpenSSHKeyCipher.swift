import Crypto
import _CryptoExtras

/// A cipher that protects the private section of an `openssh-key-v1` file, with OpenSSH's sizes (cipher.c):
/// the bcrypt KDF yields key ‖ IV, AES-CTR counts over the whole 16-byte IV, AES-GCM takes a 12-byte nonce, no
/// associated data, and its 16-byte tag follows the encrypted string.
struct OpenSSHKeyCipher {
    /// How the cipher transforms the section.
    enum Mode {
        case none
        case ctr
        case gcm
    }

    let name: String
    let mode: Mode
    let keyLength: Int
    let ivLength: Int
    let blockSize: Int
    let tagLength: Int

    /// Whether the section is encrypted at all.
    var isEncrypting: Bool { self.mode != .none }

    /// An unencrypted file.
    static let none = OpenSSHKeyCipher(name: "none", mode: .none, keyLength: 0, ivLength: 0, blockSize: 8, tagLength: 0)

    /// The ciphers this reader knows; ssh-keygen's default is aes256-ctr.
    static let known: [OpenSSHKeyCipher] = [
        .none,
        OpenSSHKeyCipher(name: "aes128-ctr", mode: .ctr, keyLength: 16, ivLength: 16, blockSize: 16, tagLength: 0),
        OpenSSHKeyCipher(name: "aes192-ctr", mode: .ctr, keyLength: 24, ivLength: 16, blockSize: 16, tagLength: 0),
        OpenSSHKeyCipher(name: "aes256-ctr", mode: .ctr, keyLength: 32, ivLength: 16, blockSize: 16, tagLength: 0),
        OpenSSHKeyCipher(name: "aes128-gcm@openssh.com", mode: .gcm, keyLength: 16, ivLength: 12, blockSize: 16, tagLength: 16),
        OpenSSHKeyCipher(name: "aes256-gcm@openssh.com", mode: .gcm, keyLength: 32, ivLength: 12, blockSize: 16, tagLength: 16),
    ]

    private init(name: String, mode: Mode, keyLength: Int, ivLength: Int, blockSize: Int, tagLength: Int) {
        self.name = name
        self.mode = mode
        self.keyLength = keyLength
        self.ivLength = ivLength
        self.blockSize = blockSize
        self.tagLength = tagLength
    }

    /// The cipher named in a key file.
    init(name: String) throws(SSHKeyError) {
        guard let known = Self.known.first(where: { $0.name == name }) else {
            throw SSHKeyError(
                kind: .unsupportedEncryption,
                message: "the key is encrypted with \(name), which this reader does not know; re-encrypt it with `ssh-keygen -p -Z aes256-ctr -f FILE`"
            )
        }
        self = known
    }

    /// Decrypts (and for GCM authenticates) the private section.
    func decrypt(_ section: [UInt8], tag: [UInt8], kdfName: String, kdfOptions: [UInt8], passphrase: String?) throws -> [UInt8] {
        guard self.isEncrypting else {
            guard kdfName == "none" else { throw SSHKeyError.invalidFormat("an unencrypted key names the KDF \(kdfName)") }
            return section
        }
        guard kdfName == "bcrypt" else {
            throw SSHKeyError(kind: .unsupportedEncryption, message: "the key's passphrase is stretched with \(kdfName); only bcrypt is known")
        }
        guard let passphrase, !passphrase.isEmpty else {
            throw SSHKeyError(kind: .passphraseRequired, message: "the key is encrypted; its passphrase is needed")
        }
        var options = SSHWireReader(kdfOptions)
        let salt = try options.readString()
        let rounds = try options.readUInt32()
        guard rounds > 0 else { throw SSHKeyError.invalidFormat("the bcrypt KDF has zero rounds") }
        let derived = try BcryptPBKDF.deriveKey(
            passphrase: Array(passphrase.utf8), salt: salt, rounds: Int(rounds), keyLength: self.keyLength + self.ivLength
        )
        let key = SymmetricKey(data: derived.prefix(self.keyLength))
        let iv = derived.dropFirst(self.keyLength)
        switch self.mode {
        case .none:
            return section
        case .ctr:
            return Array(try AES._CTR.decrypt(section, using: key, nonce: AES._CTR.Nonce(nonceBytes: iv)))
        case .gcm:
            do {
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: section, tag: tag)
                return Array(try AES.GCM.open(box, using: key))
            } catch {
                throw SSHKeyError(kind: .wrongPassphrase, message: "the passphrase does not open this key")
            }
        }
    }
}
