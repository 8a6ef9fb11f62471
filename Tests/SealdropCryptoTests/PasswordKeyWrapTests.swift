import Foundation
import Testing
@testable import SealdropCrypto
import Crypto

/// Password wrapping of transfer keys: scrypt KEK, wrong-password detection, storage form.
@Suite struct PasswordKeyWrapTests {
    @Test func rightPasswordOpensWrongPasswordThrows() throws {
        let tk = TransferKey()
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "correct horse", context: "T1", parameters: .fast)
        #expect(wrapped.parameters == .fast)
        #expect(wrapped.salt.count == 16)
        #expect(try PasswordKeyWrap.unwrap(wrapped, password: "correct horse", context: "T1") == tk)
        #expect(throws: PasswordKeyWrapError.wrongPassword) {
            try PasswordKeyWrap.unwrap(wrapped, password: "correct horse ", context: "T1")
        }
        let again = try PasswordKeyWrap.wrap(tk, password: "correct horse", context: "T1", parameters: .fast)
        #expect(again.salt != wrapped.salt && again.sealed != wrapped.sealed)
    }

    @Test func parametersAreStoredAndUsed() throws {
        let tk = TransferKey()
        let custom = PasswordKeyWrap.Parameters(logN: 11, r: 4, p: 2)
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "pw", context: "T1", parameters: custom)
        #expect(wrapped.parameters == custom)
        var altered = wrapped
        altered.parameters = .fast
        #expect(throws: PasswordKeyWrapError.wrongPassword) { try PasswordKeyWrap.unwrap(altered, password: "pw", context: "T1") }
        #expect(PasswordKeyWrap.Parameters.default == .init(logN: 15, r: 8, p: 1))
        #expect(throws: PasswordKeyWrapError.invalidParameters) {
            try PasswordKeyWrap.wrap(tk, password: "pw", context: "T1", parameters: .init(logN: 40, r: 8, p: 1))
        }
    }

    @Test func passwordIsNormalizedToNFC() throws {
        let tk = TransferKey()
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "caf\u{E9}", context: "T1", parameters: .fast)
        #expect(try PasswordKeyWrap.unwrap(wrapped, password: "cafe\u{301}", context: "T1") == tk)
    }

    @Test func serializationRoundTrips() throws {
        let tk = TransferKey()
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "s3cret", context: "T1", parameters: .init(logN: 10, r: 8, p: 3))
        let bytes = wrapped.serialized()
        #expect(bytes.count == 1 + 1 + 4 + 4 + 16 + 60)
        #expect(bytes[0] == 2)
        let parsed = try WrappedKey(serialized: bytes)
        #expect(parsed == wrapped)
        #expect(try PasswordKeyWrap.unwrap(parsed, password: "s3cret", context: "T1") == tk)

        let text = wrapped.serializedString()
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(try WrappedKey(serializedString: text) == wrapped)

        let json = try JSONEncoder().encode(wrapped)
        #expect(try JSONDecoder().decode(WrappedKey.self, from: json) == wrapped)
    }

    @Test func malformedSerializationsAreRejected() throws {
        let bytes = try PasswordKeyWrap.wrap(TransferKey(), password: "x", context: "T1", parameters: .fast).serialized()
        var badVersion = bytes
        badVersion[0] = 3
        #expect(throws: PasswordKeyWrapError.malformed) { try WrappedKey(serialized: badVersion) }
        #expect(throws: PasswordKeyWrapError.malformed) { try WrappedKey(serialized: bytes.dropLast()) }
        var badLogN = bytes
        badLogN[1] = 60
        #expect(throws: PasswordKeyWrapError.invalidParameters) { try WrappedKey(serialized: badLogN) }
        #expect(throws: PasswordKeyWrapError.malformed) { try WrappedKey(serializedString: "not base64!") }
    }

    /// Issue 11 (informational): a wrapped key is bound to its transfer, so one copied into another transfer's
    /// row (same password) does not open there.
    @Test func wrappedKeyIsBoundToItsTrackingId() throws {
        let tk = TransferKey()
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "shared password", context: "TRACKING-A", parameters: .fast)
        #expect(try PasswordKeyWrap.unwrap(wrapped, password: "shared password", context: "TRACKING-A") == tk)
        #expect(throws: PasswordKeyWrapError.wrongPassword) {
            try PasswordKeyWrap.unwrap(wrapped, password: "shared password", context: "TRACKING-B")
        }
    }

    /// Keys wrapped before the binding (version 1: the purpose alone as authenticated data) still open.
    @Test func versionOneKeysStillOpen() throws {
        let tk = TransferKey()
        let salt = SecureRandom.bytes(16)
        let kek = try PasswordKeyWrap.deriveKEK(password: "old", salt: salt, parameters: .fast)
        let box = try AES.GCM.seal(tk.rawBytes, using: kek, authenticating: Array("sealdrop/password-wrap/v1".utf8))
        let legacy = WrappedKey(salt: salt, parameters: .fast, sealed: Array(box.combined!), version: WrappedKey.unboundVersion)
        let parsed = try WrappedKey(serialized: legacy.serialized())
        #expect(parsed.version == 1)
        #expect(try PasswordKeyWrap.unwrap(parsed, password: "old", context: "ANY") == tk)
        #expect(throws: PasswordKeyWrapError.wrongPassword) { try PasswordKeyWrap.unwrap(parsed, password: "new", context: "ANY") }
    }

    /// Issue 11 (informational): the configuration accepted scrypt logN down to 1; it now needs at least 2^14, r ≥ 8.
    @Test func configuredCostHasAFloor() {
        #expect(PasswordKeyWrap.Parameters.default.isStrongEnoughForConfiguration)
        #expect(!PasswordKeyWrap.Parameters(logN: 1, r: 8, p: 1).isStrongEnoughForConfiguration)
        #expect(!PasswordKeyWrap.Parameters(logN: 13, r: 8, p: 1).isStrongEnoughForConfiguration)
        #expect(PasswordKeyWrap.Parameters(logN: 14, r: 8, p: 1).isStrongEnoughForConfiguration)
        #expect(!PasswordKeyWrap.Parameters(logN: 16, r: 1, p: 1).isStrongEnoughForConfiguration)
    }
}
