import Crypto
import Foundation
import Testing

@testable import SSHClient

/// Reading and writing OpenSSH private key files, checked against keys and output of OpenSSH's `ssh-keygen`.
@Suite struct SSHPrivateKeyTests {
    /// Every unencrypted Ed25519 and ECDSA fixture yields the public key line and fingerprint `ssh-keygen` printed.
    @Test(arguments: [SSHKeyFixtures.ed25519, SSHKeyFixtures.p256, SSHKeyFixtures.p384, SSHKeyFixtures.p521])
    func readsUnencryptedKeysLikeSSHKeygen(_ fixture: SSHKeyFixture) throws {
        let key = try SSHPrivateKey(openSSH: fixture.privateKey)
        let comment = String(fixture.publicKeyLine.split(separator: " ")[2])
        #expect(key.comment == comment)
        #expect(key.publicKeyLine(comment: comment) == fixture.publicKeyLine)
        #expect(key.publicKeyFingerprint.description == fixture.fingerprint)
        #expect(key.keyType == String(fixture.publicKeyLine.split(separator: " ")[0]))
    }

    /// The passphrase opens aes256-ctr (ssh-keygen's default) and aes256-gcm@openssh.com files.
    @Test(arguments: [SSHKeyFixtures.ed25519AESCTR, SSHKeyFixtures.p256AESGCM])
    func readsEncryptedKeysWithThePassphrase(_ fixture: SSHKeyFixture) throws {
        let key = try SSHPrivateKey(openSSH: fixture.privateKey, passphrase: SSHKeyFixtures.passphrase)
        #expect(key.publicKeyFingerprint.description == fixture.fingerprint)
        #expect(key.publicKeyLine(comment: key.comment) == fixture.publicKeyLine)
    }

    /// A wrong passphrase is named as such (the check numbers differ for CTR, the tag fails for GCM), and a
    /// missing one is asked for; neither message contains the passphrase.
    @Test(arguments: [SSHKeyFixtures.ed25519AESCTR, SSHKeyFixtures.p256AESGCM])
    func refusesAWrongOrMissingPassphrase(_ fixture: SSHKeyFixture) throws {
        let wrong = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: fixture.privateKey, passphrase: "horse battery") }
        #expect(wrong?.kind == .wrongPassphrase)
        #expect(wrong?.description.contains("horse battery") == false)
        let missing = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: fixture.privateKey) }
        #expect(missing?.kind == .passphraseRequired)
    }

    /// RSA and DSA keys are refused by name, in the OpenSSH format and in the old PEM format alike.
    @Test func refusesRSAAndDSAKeys() throws {
        let rsa = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: SSHKeyFixtures.rsa.privateKey) }
        #expect(rsa?.kind == .unsupportedKeyType)
        #expect(rsa?.message == "RSA keys are not supported; use Ed25519 or ECDSA")
        let dsa = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: SSHKeyFixtures.dsa.privateKey) }
        #expect(dsa?.message == "DSA keys are not supported; use Ed25519 or ECDSA")
        let pem = #expect(throws: SSHKeyError.self) {
            try SSHPrivateKey(openSSH: "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK==\n-----END RSA PRIVATE KEY-----\n")
        }
        #expect(pem?.message == "RSA keys are not supported; use Ed25519 or ECDSA")
    }

    /// Text that is no key file, a cut-off file and a key whose private half does not match its public half fail
    /// as invalid formats.
    @Test func refusesDamagedFiles() throws {
        let notAKey = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: "ssh-ed25519 AAAA user@host") }
        #expect(notAKey?.kind == .invalidFormat)
        let lines = SSHKeyFixtures.ed25519.privateKey.split(separator: "\n")
        let cut = ([lines[0], lines[1], lines[2]] + [lines[lines.count - 1]]).joined(separator: "\n")
        let truncated = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: cut) }
        #expect(truncated?.kind == .invalidFormat)
        // The P-256 fixture's public blob with the P-256 private section of another key.
        let other = try SSHPrivateKey(openSSH: SSHKeyFixtures.p256.privateKey)
        let mine = SSHPrivateKey.generateP256ForTests()
        let mixed = try Self.swapPublicBlob(of: mine.openSSHText, with: other.publicKeyBlob)
        let mismatch = #expect(throws: SSHKeyError.self) { try SSHPrivateKey(openSSH: mixed) }
        #expect(mismatch?.kind == .invalidFormat)
        #expect(mismatch?.message.contains("does not belong") == true)
    }

    /// A generated key survives writing and reading, and `ssh-keygen -y` derives the same public key line from
    /// the written file; so it does from re-written ECDSA fixtures.
    @Test func writtenFilesAreReadBySSHKeygen() throws {
        let generated = SSHPrivateKey.generateEd25519(comment: "sealdrop@test")
        let keys = [generated] + (try [SSHKeyFixtures.p256, SSHKeyFixtures.p384, SSHKeyFixtures.p521].map { try SSHPrivateKey(openSSH: $0.privateKey) })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sealdrop-ssh-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, key) in keys.enumerated() {
            let text = key.openSSHText
            #expect(text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----\n"))
            #expect(text.split(separator: "\n").allSatisfy { $0.count <= 70 })
            let reread = try SSHPrivateKey(openSSH: text)
            #expect(reread.publicKeyBlob == key.publicKeyBlob)
            #expect(reread.comment == key.comment)
            let file = directory.appendingPathComponent("key\(index)")
            try text.write(to: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            let derived = try runSSHKeygen(["-y", "-f", file.path]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(derived == key.publicKeyLine(comment: key.comment))
        }
    }

    /// What a key prints names its type and fingerprint, never its secret.
    @Test func descriptionShowsNoSecret() throws {
        let key = try SSHPrivateKey(openSSH: SSHKeyFixtures.ed25519.privateKey)
        #expect("\(key)" == "SSHPrivateKey(ssh-ed25519, \(SSHKeyFixtures.ed25519.fingerprint))")
        #expect("\(SSHAuthentication.password("s3cret"))" == "password(<redacted>)")
    }

    /// Replaces the public key blob of an unencrypted key file, keeping its private section.
    private static func swapPublicBlob(of text: String, with blob: [UInt8]) throws -> String {
        let body = text.split(separator: "\n").dropFirst().dropLast().joined()
        var reader = SSHWireReader(Array(try #require(Data(base64Encoded: body))))
        let magic = try reader.readBytes(OpenSSHKeyFile.magic.count)
        let cipher = try reader.readString()
        let kdf = try reader.readString()
        let options = try reader.readString()
        let count = try reader.readUInt32()
        _ = try reader.readString()
        let section = try reader.readString()
        var writer = SSHWireWriter()
        writer.writeBytes(magic)
        writer.writeString(cipher)
        writer.writeString(kdf)
        writer.writeString(options)
        writer.writeUInt32(count)
        writer.writeString(blob)
        writer.writeString(section)
        return "\(OpenSSHKeyFile.beginMarker)\n\(Data(writer.bytes).base64EncodedString())\n\(OpenSSHKeyFile.endMarker)\n"
    }
}

extension SSHPrivateKey {
    /// A fresh P-256 key.
    static func generateP256ForTests() -> SSHPrivateKey {
        SSHPrivateKey(storage: .p256(.init()), comment: "test")
    }
}

extension SSHKeyFixture: CustomTestStringConvertible {
    var testDescription: String { self.command }
}
