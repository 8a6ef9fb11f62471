@preconcurrency import Crypto
import Foundation

/// The per-transfer key TK: 32 random bytes from which every file key is derived (DESIGN §3).
public struct TransferKey: Sendable, Equatable {
    /// Size of a transfer key in bytes.
    public static let byteCount = 32
    /// HKDF info string for file keys.
    static let fileKeyInfo = Array("sealdrop/file/v1".utf8)

    /// The key material.
    public let key: SymmetricKey

    /// A fresh random transfer key.
    public init() {
        self.key = SymmetricKey(size: .bits256)
    }

    /// Rebuilds a transfer key from its 32 raw bytes (e.g. after unsealing).
    public init(rawBytes: some ContiguousBytes) throws {
        let key = SymmetricKey(data: rawBytes)
        guard key.bitCount == 256 else { throw CryptoKitError.incorrectKeySize }
        self.key = key
    }

    /// The 32 raw bytes, for sealing; never log or store them unsealed.
    public var rawBytes: [UInt8] {
        key.withUnsafeBytes { Array($0) }
    }

    /// File key FK = HKDF-SHA256(TK, salt: UTF-8 file id, info: `sealdrop/file/v1`, 32 bytes).
    public func fileKey(fileId: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key,
            salt: Array(fileId.utf8),
            info: Self.fileKeyInfo,
            outputByteCount: 32
        )
    }
}
