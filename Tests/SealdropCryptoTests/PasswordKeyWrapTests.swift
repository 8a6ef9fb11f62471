import Foundation
import Testing
import SealdropCrypto

/// Password wrapping of transfer keys: scrypt KEK, wrong-password detection, storage form.
@Suite struct PasswordKeyWrapTests {
    @Test func rightPasswordOpensWrongPasswordThrows() throws {
        let tk = TransferKey()
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "correct horse", parameters: .fast)
        #expect(wrapped.parameters == .fast)
        #expect(wrapped.salt.count == 16)
        #expect(try PasswordKeyWrap.unwrap(wrapped, password: "correct horse") == tk)
        #expect(throws: PasswordKeyWrapError.wrongPassword) {
            try PasswordKeyWrap.unwrap(wrapped, password: "correct horse ")
        }
        let again = try PasswordKeyWrap.wrap(tk, password: "correct horse", parameters: .fast)
        #expect(again.salt != wrapped.salt && again.sealed != wrapped.sealed)
    }

    @Test func parametersAreStoredAndUsed() throws {
        let tk = TransferKey()
        let custom = PasswordKeyWrap.Parameters(logN: 11, r: 4, p: 2)
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "pw", parameters: custom)
        #expect(wrapped.parameters == custom)
        var altered = wrapped
        altered.parameters = .fast
        #expect(throws: PasswordKeyWrapError.wrongPassword) { try PasswordKeyWrap.unwrap(altered, password: "pw") }
        #expect(PasswordKeyWrap.Parameters.default == .init(logN: 15, r: 8, p: 1))
        #expect(throws: PasswordKeyWrapError.invalidParameters) {
            try PasswordKeyWrap.wrap(tk, password: "pw", parameters: .init(logN: 40, r: 8, p: 1))
        }
    }

    @Test func passwordIsNormalizedToNFC() throws {
        let tk = TransferKey()
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "caf\u{E9}", parameters: .fast)
        #expect(try PasswordKeyWrap.unwrap(wrapped, password: "cafe\u{301}") == tk)
    }

    @Test func serializationRoundTrips() throws {
        let tk = TransferKey()
        let wrapped = try PasswordKeyWrap.wrap(tk, password: "s3cret", parameters: .init(logN: 10, r: 8, p: 3))
        let bytes = wrapped.serialized()
        #expect(bytes.count == 1 + 1 + 4 + 4 + 16 + 60)
        #expect(bytes[0] == 1)
        let parsed = try WrappedKey(serialized: bytes)
        #expect(parsed == wrapped)
        #expect(try PasswordKeyWrap.unwrap(parsed, password: "s3cret") == tk)

        let text = wrapped.serializedString()
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(try WrappedKey(serializedString: text) == wrapped)

        let json = try JSONEncoder().encode(wrapped)
        #expect(try JSONDecoder().decode(WrappedKey.self, from: json) == wrapped)
    }

    @Test func malformedSerializationsAreRejected() throws {
        let bytes = try PasswordKeyWrap.wrap(TransferKey(), password: "x", parameters: .fast).serialized()
        var badVersion = bytes
        badVersion[0] = 2
        #expect(throws: PasswordKeyWrapError.malformed) { try WrappedKey(serialized: badVersion) }
        #expect(throws: PasswordKeyWrapError.malformed) { try WrappedKey(serialized: bytes.dropLast()) }
        var badLogN = bytes
        badLogN[1] = 60
        #expect(throws: PasswordKeyWrapError.invalidParameters) { try WrappedKey(serialized: badLogN) }
        #expect(throws: PasswordKeyWrapError.malformed) { try WrappedKey(serializedString: "not base64!") }
    }
}
