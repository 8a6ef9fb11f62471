import Crypto
import Foundation
import Testing
import SealdropCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Transfer key → file key derivation, and the server key file and sealing.
@Suite struct KeyHierarchyTests {
    @Test func fileKeyIsDeterministicHKDF() throws {
        let tk = try TransferKey(rawBytes: [UInt8](0..<32))
        let a = tk.fileKey(fileId: "file-1")
        #expect(a == tk.fileKey(fileId: "file-1"))
        #expect(a.bitCount == 256)
        let expected = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: [UInt8](0..<32)),
            salt: Array("file-1".utf8), info: Array("sealdrop/file/v1".utf8), outputByteCount: 32
        )
        #expect(a == expected)
        #expect(a != tk.fileKey(fileId: "file-2"))
        #expect(a != TransferKey().fileKey(fileId: "file-1"))
    }

    @Test func transferKeysAreRandomAndRoundTripRawBytes() throws {
        let tk = TransferKey()
        #expect(tk.rawBytes.count == 32)
        #expect(tk != TransferKey())
        #expect(try TransferKey(rawBytes: tk.rawBytes) == tk)
        #expect(throws: (any Error).self) { try TransferKey(rawBytes: [UInt8](repeating: 1, count: 16)) }
    }

    @Test func serverKeyIsCreatedWithMode0600AndReloads() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("server.key")
        let first = try ServerKey.loadOrCreate(at: path)
        var info = stat()
        try #require(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(info.st_size == 32)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["server.key"], "no temp file left")

        let second = try ServerKey.loadOrCreate(at: path)
        let tk = TransferKey()
        let sealed = try first.sealLegacyTransferKey(tk, context: "tracking-1")
        #expect(try second.openLegacyTransferKey(sealed, context: "tracking-1") == tk)
    }

    @Test func serverKeyRefusesShortOrExposedFiles() throws {
        let dir = try TemporaryDirectory()
        let short = dir.file("short.key")
        try Blob.write([UInt8](repeating: 1, count: 31), to: short)
        chmod(short, 0o600)
        #expect(throws: ServerKeyError.wrongSize(path: short, size: 31)) { try ServerKey.loadOrCreate(at: short) }

        let exposed = dir.file("exposed.key")
        try Blob.write([UInt8](repeating: 1, count: 32), to: exposed)
        chmod(exposed, 0o644)
        #expect(throws: ServerKeyError.insecurePermissions(path: exposed, mode: "644")) {
            try ServerKey.loadOrCreate(at: exposed)
        }
        #expect(throws: ServerKeyError.notRegularFile(path: dir.path)) { try ServerKey.loadOrCreate(at: dir.path) }
    }

    @Test func serverKeySealingIsBoundToContextAndPurpose() throws {
        let key = try ServerKey(key: SymmetricKey(size: .bits256))
        let tk = TransferKey()
        let sealed = try key.sealLegacyTransferKey(tk, context: "tracking-1")
        #expect(sealed.count == 12 + 32 + 16)
        #expect(throws: ServerKeyError.authenticationFailed) { try key.openLegacyTransferKey(sealed, context: "tracking-2") }
        #expect(throws: ServerKeyError.authenticationFailed) {
            try ServerKey(key: SymmetricKey(size: .bits256)).openLegacyTransferKey(sealed, context: "tracking-1")
        }
        var tampered = sealed
        tampered[20] ^= 1
        #expect(throws: ServerKeyError.authenticationFailed) { try key.openLegacyTransferKey(tampered, context: "tracking-1") }

        let secret = Array("smtp-password".utf8)
        let sealedSecret = try key.sealSecret(secret, context: "smtp.password")
        #expect(try key.openSecret(sealedSecret, context: "smtp.password") == secret)
        #expect(throws: ServerKeyError.authenticationFailed) { try key.openSecret(sealedSecret, context: "ldap.password") }
        // A sealed transfer key is not accepted as a secret, nor the other way round.
        #expect(throws: ServerKeyError.authenticationFailed) { try key.openSecret(sealed, context: "tracking-1") }
        #expect(throws: ServerKeyError.authenticationFailed) { try key.openLegacyTransferKey(sealedSecret, context: "smtp.password") }
    }

    @Test func secureRandomBytes() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(13).count == 13)
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }
}
