import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import SSHClient

/// bcrypt_pbkdf against PyPI's `bcrypt` package and against keys written by OpenSSH's `ssh-keygen`.
@Suite struct BcryptPBKDFTests {
    /// Vectors from `bcrypt.kdf(password, salt, desired_key_bytes, rounds)` (bcrypt 5.0.0): lengths below, at and
    /// above one 32-byte block, one that is no multiple of 32, one needing three blocks per byte stride.
    @Test(arguments: [
        ("password", "73616c74", 32, 1, "7af41469e52860da49debfaa6a4e12a2cb857b907b2bb20d2902a9ccd424adb1"),
        ("password", "73616c74", 1, 1, "7a"),
        ("password", "73616c74", 48, 16,
         "c339d704ec235f27690d3f12167c05a55bf86d572f270adbf9fe04c379da5f8c7942a939245dbb39ebe26fc2bd19b88b"),
        ("password", "73616c74", 64, 16,
         "c339d704ec235f27690d3f12167c05a55bf86d572f270adbf9fe04c379da5f8c7942a939245dbb39ebe26fc2bd19b88b05f3e85024c509d5d5db6d821e7663e2"),
        ("passphrase with spaces", "000102030405060708090a0b0c0d0e0f", 40, 16,
         "50a63905e9ed7960e704c9b16177759c78de4179f17b4fd03672f06ed04e25b5f473e0247610771c"),
        ("\u{0}\u{7f}", "73", 33, 2, "723aea4fb31035a44a7a360c6247cbf8fdaaeb6ea77dcf95f4aea9bf59a93672bb"),
        ("x", "30313233343536373839616263646566", 96, 1,
         "c5d2885f5e3750a29971e2809b2c0e69d4102e6118e7963a23ff3ca7d91cf7c7d23d1ea7a3f0edd624ce922f8539674991fbb104672ea147acc2fc3c75ec914ffd6850dbb125149703f0b01e2ec82bab1b99479275a697644fe6b8a424b3fb46"),
    ])
    func matchesPyPIBcrypt(passphrase: String, saltHex: String, keyLength: Int, rounds: Int, expectedHex: String) throws {
        let key = try BcryptPBKDF.deriveKey(
            passphrase: Array(passphrase.utf8), salt: Self.bytes(hex: saltHex), rounds: rounds, keyLength: keyLength
        )
        #expect(Self.hex(key) == expectedHex)
    }

    /// The Blowfish underneath, with the standard key schedule: Eric Young's test vectors.
    @Test(arguments: [
        ("0000000000000000", "0000000000000000", "4ef997456198dd78"),
        ("ffffffffffffffff", "ffffffffffffffff", "51866fd5b85ecb8a"),
        ("0123456789abcdef", "1111111111111111", "61f9c3802281b096"),
        ("fedcba9876543210", "0123456789abcdef", "0aceab0fc6a0a28d"),
    ])
    func blowfishMatchesPublishedVectors(keyHex: String, plainHex: String, cipherHex: String) {
        let key = Self.bytes(hex: keyHex)
        let plain = Self.bytes(hex: plainHex)
        var left = plain[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        var right = plain[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        key.withUnsafeBufferPointer { key in
            let cipher = Blowfish(key: key)
            cipher.encipher(&left, &right)
        }
        #expect(String(format: "%08x%08x", left, right) == cipherHex)
    }

    /// A key `ssh-keygen -t ed25519 -N 'fixture passphrase'` wrote (OpenSSH 9.2): the derived key and IV decrypt the
    /// private section so that the check-ints agree and the Ed25519 seed yields the file's public key.
    @Test func decryptsAnSSHKeygenFixture() throws {
        let key = try BcryptTestKeyFile(pem: Self.fixtureKey)
        #expect(key.rounds == 16)
        let clock = ContinuousClock()
        let started = clock.now
        let section = try key.decrypt(passphrase: "fixture passphrase")
        let elapsed = clock.now - started
        print("bcrypt_pbkdf, 16 rounds, 48 bytes (debug build): \(elapsed)")
        try Self.expectValidEd25519(section, publicBlob: key.publicBlob)
        // A wrong passphrase gives different check-ints: the check above depends on the derivation.
        let wrong = try key.decrypt(passphrase: "fixture passphrasE")
        #expect(wrong.prefix(4) != wrong.dropFirst(4).prefix(4))
    }

    /// A key written now by the installed `ssh-keygen`, with a random salt and the default 16 rounds.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen") || SFTPPeerEnvironment.isCI))
    func decryptsAFreshSSHKeygenKey() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen") else {
            Issue.record("ssh-keygen is missing: install openssh-client")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bcrypt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("id_ed25519")
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        keygen.arguments = ["-q", "-t", "ed25519", "-N", "a fresh passphrase", "-C", "test", "-f", file.path]
        keygen.standardOutput = FileHandle.nullDevice
        keygen.standardError = FileHandle.nullDevice
        try keygen.run()
        keygen.waitUntilExit()
        #expect(keygen.terminationStatus == 0)
        let key = try BcryptTestKeyFile(pem: String(contentsOf: file, encoding: .utf8))
        #expect(key.salt.count == 16)
        let section = try key.decrypt(passphrase: "a fresh passphrase")
        try Self.expectValidEd25519(section, publicBlob: key.publicBlob)
    }

    /// Parameters OpenSSH refuses are refused, and the error never shows the passphrase.
    @Test func refusesWhatOpenSSHRefuses() {
        let secret = Array("hunter2".utf8)
        for (rounds, salt, length) in [(0, [UInt8(1)], 32), (1, [], 32), (1, [1], 0), (1, [1], 1025)] {
            let error = #expect(throws: BcryptPBKDFError.self) {
                _ = try BcryptPBKDF.deriveKey(passphrase: secret, salt: salt, rounds: rounds, keyLength: length)
            }
            #expect(error?.description.contains("hunter2") == false)
        }
        #expect(throws: BcryptPBKDFError.self) { _ = try BcryptPBKDF.deriveKey(passphrase: [], salt: [1], rounds: 1, keyLength: 32) }
    }

    // MARK: - Helpers

    /// Checks a decrypted private section: equal check-ints, then `ssh-ed25519`, the public key (equal to the
    /// file's), and the 64-byte private key whose seed derives that public key.
    private static func expectValidEd25519(_ section: [UInt8], publicBlob: [UInt8]) throws {
        var reader = BcryptTestWireReader(section)
        let check1 = try reader.uint32()
        let check2 = try reader.uint32()
        #expect(check1 == check2)
        #expect(try reader.string() == Array("ssh-ed25519".utf8))
        let publicKey = try reader.string()
        let privateKey = try reader.string()
        var blob = BcryptTestWireReader(publicBlob)
        _ = try blob.string()
        #expect(try blob.string() == publicKey)
        #expect(privateKey.count == 64)
        let derived = try Curve25519.Signing.PrivateKey(rawRepresentation: privateKey.prefix(32))
        #expect(Array(derived.publicKey.rawRepresentation) == publicKey)
    }

    /// Bytes from lowercase hex.
    static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// Lowercase hex of bytes.
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// `ssh-keygen -q -t ed25519 -N 'fixture passphrase' -C fixture` (OpenSSH 9.2p1): aes256-ctr, bcrypt, 16 rounds.
    static let fixtureKey = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABDAEXi/zx
        pwzSjsE+yNLc5gAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIMulbbzY+IUWyEMJ
        d+Tr1Ei5h0O9SKR+IWWQRfj7cgQ0AAAAkCr9XgcQE3nYkDTAVFvDGbMyR7MvMyCng8Wu63
        XcWDYJZGnmTKRXwBKnsxO+ueDr/8MLArMeJR18aJL58tcJT0plsGnmiwMO2Oj8QntlZncT
        1npLs0mao8+7gVzRRReL6sWmWQa6V2n3UhbALTmZ9xoe1in5xDgKBvQnJ/0PxJoEgeJX1P
        YkTRKPFtxg7ov9cg==
        -----END OPENSSH PRIVATE KEY-----
        """
}

/// The parts of an `openssh-key-v1` file (OpenSSH `PROTOCOL.key`) a KDF test needs; only aes256-ctr + bcrypt.
struct BcryptTestKeyFile {
    /// The KDF options: salt and rounds.
    let salt: [UInt8]
    let rounds: Int
    let publicBlob: [UInt8]
    let encrypted: [UInt8]

    /// Not an aes256-ctr/bcrypt key with exactly one key.
    struct Unsupported: Error {}

    /// Parses the PEM-armoured file.
    init(pem: String) throws {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { throw Unsupported() }
        let magic = Array("openssh-key-v1\u{0}".utf8)
        guard data.prefix(magic.count).elementsEqual(magic) else { throw Unsupported() }
        var reader = BcryptTestWireReader(Array(data.dropFirst(magic.count)))
        guard try reader.string() == Array("aes256-ctr".utf8), try reader.string() == Array("bcrypt".utf8) else {
            throw Unsupported()
        }
        var options = BcryptTestWireReader(try reader.string())
        self.salt = try options.string()
        self.rounds = Int(try options.uint32())
        guard try reader.uint32() == 1 else { throw Unsupported() }
        self.publicBlob = try reader.string()
        self.encrypted = try reader.string()
    }

    /// The private section decrypted with the key and IV bcrypt_pbkdf derives from `passphrase`.
    func decrypt(passphrase: String) throws -> [UInt8] {
        let material = try BcryptPBKDF.deriveKey(passphrase: Array(passphrase.utf8), salt: self.salt, rounds: self.rounds, keyLength: 48)
        let plain = try AES._CTR.decrypt(
            self.encrypted, using: SymmetricKey(data: material[0..<32]), nonce: AES._CTR.Nonce(nonceBytes: material[32..<48])
        )
        return Array(plain)
    }
}

/// Reads the SSH wire types (RFC 4251 §5) from bytes.
struct BcryptTestWireReader {
    private let bytes: [UInt8]
    private var position = 0

    /// The bytes end inside a field.
    struct Truncated: Error {}

    /// A reader at the start of `bytes`.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// A big-endian `uint32`.
    mutating func uint32() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw Truncated() }
        defer { position += 4 }
        return bytes[position..<position + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A `string`: its length, then that many bytes.
    mutating func string() throws -> [UInt8] {
        let length = Int(try self.uint32())
        guard position + length <= bytes.count else { throw Truncated() }
        defer { position += length }
        return Array(bytes[position..<position + length])
    }
}
