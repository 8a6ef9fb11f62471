@preconcurrency import Crypto
import Foundation
import _CryptoExtras

/// Why a password-wrapped transfer key could not be made, parsed or opened.
public enum PasswordKeyWrapError: Error, Sendable, Equatable {
    /// The password does not open the key (AEAD failure); counted by download protection.
    case wrongPassword
    /// The scrypt parameters are outside the accepted bounds.
    case invalidParameters
    /// The serialized form is malformed or of an unknown version.
    case malformed
}

/// Seals a transfer key under KEK = scrypt(NFC password, random salt), DESIGN §3 "at finalize".
public enum PasswordKeyWrap {
    /// The wrapped-key type, also reachable as `PasswordKeyWrap.WrappedKey`.
    public typealias WrappedKey = SealdropCrypto.WrappedKey

    /// scrypt cost parameters, stored with every wrapped key so they can grow over time.
    public struct Parameters: Codable, Sendable, Equatable, Hashable {
        /// log2 of the scrypt cost N.
        public var logN: Int
        /// scrypt block size r.
        public var r: Int
        /// scrypt parallelism p.
        public var p: Int

        /// Parameters as given; `wrap`/`unwrap` check them.
        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// Production default: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds).
        public static let `default` = Parameters(logN: 15, r: 8, p: 1)
        /// Cheap parameters for tests only: N = 2^10.
        public static let fast = Parameters(logN: 10, r: 8, p: 1)
        /// The lowest cost a configuration may choose: N = 2^14 with r = 8 (16 MiB per guess). Below it a stolen
        /// database makes offline guessing of transfer passwords cheap.
        public static let minimumConfiguredLogN = 14

        /// Whether these parameters are valid and at least as costly as a configuration must be.
        public var isStrongEnoughForConfiguration: Bool {
            isValid && logN >= Self.minimumConfiguredLogN && r >= 8
        }

        /// Whether these parameters are within bounds (memory at most 1 GiB, r·p < 2^30).
        public var isValid: Bool {
            (1...20).contains(logN) && (1...64).contains(r) && (1...16).contains(p)
                && 128 * r << logN <= 1 << 30
        }
    }

    /// Authenticated data of version-1 wrapped keys: the purpose only.
    private static let domain = Array("sealdrop/password-wrap/v1".utf8)
    /// Authenticated data prefix of version-2 wrapped keys, followed by the context (the tracking id).
    private static let contextDomain = Array("sealdrop/password-wrap/v2\u{0}".utf8)

    /// Wraps `transferKey` under a key derived from `password` with a fresh 16-byte salt, bound to `context`
    /// (the tracking id): a wrapped key copied into another transfer's row does not open there.
    public static func wrap(
        _ transferKey: TransferKey,
        password: String,
        context: String,
        parameters: Parameters = .default
    ) throws -> WrappedKey {
        let salt = SecureRandom.bytes(WrappedKey.saltSize)
        let kek = try deriveKEK(password: password, salt: salt, parameters: parameters)
        let box = try AES.GCM.seal(transferKey.rawBytes, using: kek, authenticating: contextDomain + Array(context.utf8))
        guard let combined = box.combined else { throw PasswordKeyWrapError.malformed }
        return WrappedKey(salt: salt, parameters: parameters, sealed: Array(combined), version: WrappedKey.contextBoundVersion)
    }

    /// Opens a wrapped key made for `context`; throws `wrongPassword` when the password (or, for version 2, the
    /// context) does not authenticate. Version-1 keys, from before the binding, ignore the context.
    public static func unwrap(_ wrapped: WrappedKey, password: String, context: String) throws -> TransferKey {
        let aad = wrapped.version == WrappedKey.contextBoundVersion ? contextDomain + Array(context.utf8) : domain
        let kek = try deriveKEK(password: password, salt: wrapped.salt, parameters: wrapped.parameters)
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(combined: wrapped.sealed)
        } catch {
            throw PasswordKeyWrapError.malformed
        }
        let raw: Data
        do {
            raw = try AES.GCM.open(box, using: kek, authenticating: aad)
        } catch {
            throw PasswordKeyWrapError.wrongPassword
        }
        return try TransferKey(rawBytes: raw)
    }

    /// KEK = scrypt(UTF-8 of NFC(password), salt, N = 2^logN, r, p) → 32 bytes.
    static func deriveKEK(password: String, salt: [UInt8], parameters: Parameters) throws -> SymmetricKey {
        guard parameters.isValid else { throw PasswordKeyWrapError.invalidParameters }
        guard salt.count == WrappedKey.saltSize else { throw PasswordKeyWrapError.malformed }
        // NFC so the same password typed on different systems (é vs e + ◌́) gives the same key.
        let normalized = Array(password.precomposedStringWithCanonicalMapping.utf8)
        return try KDF.Scrypt.deriveKey(
            from: normalized,
            salt: salt,
            outputByteCount: 32,
            rounds: 1 << parameters.logN,
            blockSize: parameters.r,
            parallelism: parameters.p
        )
    }
}
