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

        /// Whether these parameters are within bounds (memory at most 1 GiB, r·p < 2^30).
        public var isValid: Bool {
            (1...20).contains(logN) && (1...64).contains(r) && (1...16).contains(p)
                && 128 * r << logN <= 1 << 30
        }
    }

    /// Authenticated data binding the sealed key to its purpose.
    private static let domain = Array("sealdrop/password-wrap/v1".utf8)

    /// Wraps `transferKey` under a key derived from `password` with a fresh 16-byte salt.
    public static func wrap(
        _ transferKey: TransferKey,
        password: String,
        parameters: Parameters = .default
    ) throws -> WrappedKey {
        let salt = SecureRandom.bytes(WrappedKey.saltSize)
        let kek = try deriveKEK(password: password, salt: salt, parameters: parameters)
        let box = try AES.GCM.seal(transferKey.rawBytes, using: kek, authenticating: domain)
        guard let combined = box.combined else { throw PasswordKeyWrapError.malformed }
        return WrappedKey(salt: salt, parameters: parameters, sealed: Array(combined))
    }

    /// Opens a wrapped key; throws `wrongPassword` when the password does not authenticate.
    public static func unwrap(_ wrapped: WrappedKey, password: String) throws -> TransferKey {
        let kek = try deriveKEK(password: password, salt: wrapped.salt, parameters: wrapped.parameters)
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(combined: wrapped.sealed)
        } catch {
            throw PasswordKeyWrapError.malformed
        }
        let raw: Data
        do {
            raw = try AES.GCM.open(box, using: kek, authenticating: domain)
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
