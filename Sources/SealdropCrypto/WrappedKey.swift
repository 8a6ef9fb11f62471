import SealdropCore

/// A transfer key sealed under a password-derived key, with everything needed to open it again.
///
/// Compact serialization, for a database column:
/// `version ‖ logN UInt8 ‖ r UInt32 BE ‖ p UInt32 BE ‖ salt (16) ‖ sealed (nonce ‖ ciphertext ‖ tag)`.
/// Version 2 binds the sealed key to its transfer (the tracking id is authenticated data); version 1 did not.
public struct WrappedKey: Codable, Sendable, Equatable {
    /// Size of the scrypt salt in bytes.
    public static let saltSize = 16
    /// Version of keys sealed with the purpose alone as authenticated data (read only).
    public static let unboundVersion: UInt8 = 1
    /// Version of keys sealed with the tracking id as authenticated data (written since the binding).
    public static let contextBoundVersion: UInt8 = 2
    /// Bytes before the sealed part in the serialized form.
    static let fixedPrefixSize = 1 + 1 + 4 + 4 + saltSize
    /// Size of the sealed part: 12-byte nonce, 32-byte key, 16-byte tag.
    static let sealedSize = 12 + TransferKey.byteCount + 16

    /// Random scrypt salt.
    public var salt: [UInt8]
    /// scrypt parameters used to derive the key-encryption key.
    public var parameters: PasswordKeyWrap.Parameters
    /// AES-GCM combined box (nonce ‖ ciphertext ‖ tag) of the transfer key.
    public var sealed: [UInt8]
    /// The serialization version, which says what the authenticated data was.
    public var version: UInt8

    /// A wrapped key from its parts.
    public init(salt: [UInt8], parameters: PasswordKeyWrap.Parameters, sealed: [UInt8], version: UInt8 = contextBoundVersion) {
        self.salt = salt
        self.parameters = parameters
        self.sealed = sealed
        self.version = version
    }

    /// The compact binary form (see the type's documentation).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.fixedPrefixSize + sealed.count)
        out.append(version)
        out.append(UInt8(clamping: parameters.logN))
        for value in [parameters.r, parameters.p] {
            let v = UInt32(clamping: value)
            out.append(contentsOf: [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
                                    UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)])
        }
        out.append(contentsOf: salt)
        out.append(contentsOf: sealed)
        return out
    }

    /// Parses the compact binary form; throws `PasswordKeyWrapError.malformed`.
    public init(serialized bytes: some Collection<UInt8>) throws {
        let b = Array(bytes)
        guard b.count == Self.fixedPrefixSize + Self.sealedSize, b[0] == Self.unboundVersion || b[0] == Self.contextBoundVersion else {
            throw PasswordKeyWrapError.malformed
        }
        func uint32(at i: Int) -> Int {
            Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        }
        let parameters = PasswordKeyWrap.Parameters(logN: Int(b[1]), r: uint32(at: 2), p: uint32(at: 6))
        guard parameters.isValid else { throw PasswordKeyWrapError.invalidParameters }
        self.init(
            salt: Array(b[10..<Self.fixedPrefixSize]),
            parameters: parameters,
            sealed: Array(b[Self.fixedPrefixSize...]),
            version: b[0]
        )
    }

    /// The compact form as unpadded base64url text, for a TEXT column.
    public func serializedString() -> String {
        Base64URL.encode(serialized())
    }

    /// Parses `serializedString()` output; throws `PasswordKeyWrapError.malformed`.
    public init(serializedString text: String) throws {
        guard let bytes = Base64URL.decode(text) else { throw PasswordKeyWrapError.malformed }
        try self.init(serialized: bytes)
    }
}
