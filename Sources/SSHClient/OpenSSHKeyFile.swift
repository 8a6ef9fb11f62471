import Crypto
import Foundation

/// The `openssh-key-v1` private key file of OpenSSH's PROTOCOL.key, read and written:
///
///     -----BEGIN OPENSSH PRIVATE KEY-----     base64 of:
///     byte[]  "openssh-key-v1\0"
///     string  ciphername       "none", "aes256-ctr", "aes256-gcm@openssh.com", …
///     string  kdfname          "none" or "bcrypt"
///     string  kdfoptions       bcrypt: string salt, uint32 rounds
///     uint32  number of keys   1
///     string  public key blob
///     string  private section, encrypted (an AEAD cipher's tag follows the string)
///
///     private section:
///     uint32  checkint, uint32 checkint     equal when the passphrase was right
///     string  key type, then      ssh-ed25519:  string public (32), string seed ‖ public (64)
///                                 ecdsa-sha2-*: string curve, string Q, mpint d
///     string  comment
///     byte[]  padding 1, 2, 3, … up to the cipher's block size
enum OpenSSHKeyFile {
    static let beginMarker = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let endMarker = "-----END OPENSSH PRIVATE KEY-----"
    static let magic = Array("openssh-key-v1".utf8) + [0]

    /// Reads a key file; `passphrase` opens an encrypted one.
    static func decode(_ text: String, passphrase: String?) throws(SSHKeyError) -> (key: SSHPrivateKey.Storage, comment: String) {
        let binary = try Self.unarmor(text)
        do {
            var reader = SSHWireReader(binary)
            guard try reader.readBytes(Self.magic.count) == Self.magic else {
                throw SSHKeyError.invalidFormat("the file does not start with openssh-key-v1")
            }
            let cipherName = try reader.readText()
            let kdfName = try reader.readText()
            let kdfOptions = try reader.readString()
            let keyCount = try reader.readUInt32()
            guard keyCount == 1 else { throw SSHKeyError.invalidFormat("the file holds \(keyCount) keys; one is expected") }
            let publicBlob = try reader.readString()
            var publicReader = SSHWireReader(publicBlob)
            let publicType = try publicReader.readText()
            try Self.checkSupported(keyType: publicType)
            let encrypted = try reader.readString()
            let cipher = try OpenSSHKeyCipher(name: cipherName)
            let trailer = reader.readRest()
            guard trailer.count >= cipher.tagLength else {
                throw SSHKeyError.invalidFormat("the encrypted section's authentication tag is missing")
            }
            let tag = Array(trailer.prefix(cipher.tagLength))
            let section = try cipher.decrypt(encrypted, tag: tag, kdfName: kdfName, kdfOptions: kdfOptions, passphrase: passphrase)
            return try Self.decodePrivateSection(section, publicBlob: publicBlob, publicType: publicType, blockSize: cipher.blockSize, encrypted: cipher.isEncrypting)
        } catch let error as SSHKeyError {
            throw error
        } catch {
            throw SSHKeyError.invalidFormat("the key file is damaged (\(error))")
        }
    }

    /// Writes an unencrypted key file, lines of 70 characters as `ssh-keygen` writes them.
    static func encode(_ key: SSHPrivateKey.Storage, comment: String) -> String {
        var section = SSHWireWriter()
        let checkint = UInt32.random(in: .min ... .max)
        section.writeUInt32(checkint)
        section.writeUInt32(checkint)
        section.writeString(key.keyType)
        switch key {
        case .ed25519(let privateKey):
            section.writeString(key.publicKeyBytes)
            section.writeString(Array(privateKey.rawRepresentation) + key.publicKeyBytes)
        case .p256(let privateKey):
            Self.writeECDSA(into: &section, key: key, scalar: privateKey.rawRepresentation)
        case .p384(let privateKey):
            Self.writeECDSA(into: &section, key: key, scalar: privateKey.rawRepresentation)
        case .p521(let privateKey):
            Self.writeECDSA(into: &section, key: key, scalar: privateKey.rawRepresentation)
        }
        section.writeString(comment)
        var padding: UInt8 = 1
        while section.bytes.count % OpenSSHKeyCipher.none.blockSize != 0 {
            section.writeBytes([padding])
            padding += 1
        }
        var file = SSHWireWriter()
        file.writeBytes(Self.magic)
        file.writeString("none")
        file.writeString("none")
        file.writeString([UInt8]())
        file.writeUInt32(1)
        file.writeString(key.publicKeyBlob)
        file.writeString(section.bytes)
        let base64 = Data(file.bytes).base64EncodedString()
        var lines = [Self.beginMarker]
        var start = base64.startIndex
        while start < base64.endIndex {
            let end = base64.index(start, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[start..<end]))
            start = end
        }
        lines.append(Self.endMarker)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func writeECDSA(into section: inout SSHWireWriter, key: SSHPrivateKey.Storage, scalar: Data) {
        section.writeString(key.curveName ?? "")
        section.writeString(key.publicKeyBytes)
        section.writeUnsignedMPInt(scalar)
    }

    /// The base64 body between the markers; other PEM kinds are named in the error.
    private static func unarmor(_ text: String) throws(SSHKeyError) -> [UInt8] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.beginMarker) else {
            if trimmed.hasPrefix("-----BEGIN RSA PRIVATE KEY-----") { throw Self.rsaRefused }
            if trimmed.hasPrefix("-----BEGIN DSA PRIVATE KEY-----") { throw Self.dsaRefused }
            if trimmed.hasPrefix("-----BEGIN") {
                throw SSHKeyError.invalidFormat(
                    "a PEM key, not an OpenSSH one; convert it with `ssh-keygen -p -f FILE` (which rewrites it in the OpenSSH format)"
                )
            }
            if trimmed.hasPrefix("PuTTY-User-Key-File") {
                throw SSHKeyError.invalidFormat("a PuTTY key; export it from PuTTYgen as \"OpenSSH key\"")
            }
            throw SSHKeyError.invalidFormat("expected a file starting with \(Self.beginMarker)")
        }
        guard let end = trimmed.range(of: Self.endMarker) else {
            throw SSHKeyError.invalidFormat("the \(Self.endMarker) line is missing")
        }
        let body = trimmed[trimmed.index(trimmed.startIndex, offsetBy: Self.beginMarker.count)..<end.lowerBound]
            .filter { !$0.isWhitespace }
        guard let binary = Data(base64Encoded: String(body)) else {
            throw SSHKeyError.invalidFormat("the body between the markers is not base64")
        }
        return Array(binary)
    }

    private static let rsaRefused = SSHKeyError(kind: .unsupportedKeyType, message: "RSA keys are not supported; use Ed25519 or ECDSA")
    private static let dsaRefused = SSHKeyError(kind: .unsupportedKeyType, message: "DSA keys are not supported; use Ed25519 or ECDSA")

    /// Refuses key types swift-nio-ssh cannot sign with, before any passphrase is tried.
    private static func checkSupported(keyType: String) throws(SSHKeyError) {
        switch keyType {
        case "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            return
        case "ssh-rsa":
            throw Self.rsaRefused
        case "ssh-dss":
            throw Self.dsaRefused
        default:
            throw SSHKeyError(kind: .unsupportedKeyType, message: "\(keyType) keys are not supported; use Ed25519 or ECDSA")
        }
    }

    /// Reads the decrypted private section and checks that it matches the public key.
    private static func decodePrivateSection(
        _ section: [UInt8],
        publicBlob: [UInt8],
        publicType: String,
        blockSize: Int,
        encrypted: Bool
    ) throws -> (key: SSHPrivateKey.Storage, comment: String) {
        guard section.count % blockSize == 0 else {
            throw SSHKeyError.invalidFormat("the private section is not a multiple of the cipher's block size")
        }
        var reader = SSHWireReader(section)
        guard try reader.readUInt32() == reader.readUInt32() else {
            if encrypted { throw SSHKeyError(kind: .wrongPassphrase, message: "the passphrase does not open this key") }
            throw SSHKeyError.invalidFormat("the private section's check numbers differ")
        }
        let keyType = try reader.readText()
        guard keyType == publicType else {
            throw SSHKeyError.invalidFormat("the private key is \(keyType) but the public key is \(publicType)")
        }
        let key: SSHPrivateKey.Storage
        if keyType == "ssh-ed25519" {
            let publicKey = try reader.readString()
            let secret = try reader.readString()
            guard publicKey.count == 32, secret.count == 64 else {
                throw SSHKeyError.invalidFormat("an Ed25519 key of the wrong size")
            }
            key = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: secret.prefix(32)))
        } else {
            let curve = try reader.readText()
            _ = try reader.readString()
            let scalar = try reader.readUnsignedMPInt()
            key = try Self.ecdsaKey(type: keyType, curve: curve, scalar: scalar)
        }
        guard key.publicKeyBlob == publicBlob else {
            throw SSHKeyError.invalidFormat("the private key does not belong to the public key stored with it")
        }
        let comment = String(decoding: try reader.readString(), as: UTF8.self)
        let padding = reader.readRest()
        guard padding.count < blockSize, padding.enumerated().allSatisfy({ Int($0.element) == $0.offset + 1 }) else {
            throw SSHKeyError.invalidFormat("the private section's padding is wrong")
        }
        return (key, comment)
    }

    /// An ECDSA key from its curve and scalar `d` (left-padded to the curve's size).
    private static func ecdsaKey(type: String, curve: String, scalar: [UInt8]) throws -> SSHPrivateKey.Storage {
        func padded(_ length: Int) throws -> [UInt8] {
            guard scalar.count <= length else { throw SSHKeyError.invalidFormat("an ECDSA scalar longer than its curve") }
            return [UInt8](repeating: 0, count: length - scalar.count) + scalar
        }
        switch (type, curve) {
        case ("ecdsa-sha2-nistp256", "nistp256"): return .p256(try P256.Signing.PrivateKey(rawRepresentation: try padded(32)))
        case ("ecdsa-sha2-nistp384", "nistp384"): return .p384(try P384.Signing.PrivateKey(rawRepresentation: try padded(48)))
        case ("ecdsa-sha2-nistp521", "nistp521"): return .p521(try P521.Signing.PrivateKey(rawRepresentation: try padded(66)))
        default: throw SSHKeyError.invalidFormat("the key type \(type) does not match its curve \(curve)")
        }
    }
}
