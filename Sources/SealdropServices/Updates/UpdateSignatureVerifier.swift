import Crypto
import Foundation

/// Checks the detached Ed25519 signature of a manifest against every trusted key: the release keys built into
/// the binary plus those of `SEALDROP_UPDATE_KEYS` (private mirrors, tests).
public struct UpdateSignatureVerifier: Sendable {
    /// The project's release signing keys, base64 of the raw 32-byte Ed25519 public key (`docs/updates.md`).
    public static let builtInKeys = ["7E+NKFYBG0GSfs1XD5vVfFlefvBSfLAmMb106onFAvU="]

    /// The trusted keys, raw 32 bytes each (swift-crypto's key type is not `Sendable`; it is made per check).
    let keys: [[UInt8]]

    /// The built-in keys (unless `includeBuiltIn` is false) and `additional` raw 32-byte keys. Throws the index of
    /// the first additional key that is not 32 bytes.
    public init(additional: [[UInt8]] = [], includeBuiltIn: Bool = true) throws(UpdateKeyError) {
        var keys: [[UInt8]] = includeBuiltIn ? Self.builtInKeys.map { [UInt8](Data(base64Encoded: $0)!) } : []
        for (index, raw) in additional.enumerated() {
            guard raw.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else { throw UpdateKeyError(index: index) }
            keys.append(raw)
        }
        self.keys = keys
    }

    /// Parses `SEALDROP_UPDATE_KEYS`: comma-separated base64 of raw 32-byte keys; throws the index of the first bad one.
    public static func parseKeys(_ text: String) throws(UpdateKeyError) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        for (index, part) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let data = Data(base64Encoded: trimmed), data.count == 32 else { throw UpdateKeyError(index: index) }
            keys.append([UInt8](data))
        }
        return keys
    }

    /// Verifies `manifest` against the `.sig` file's bytes (base64 of 64 bytes; surrounding whitespace ignored).
    public func verify(manifest: [UInt8], signatureFile: [UInt8]) throws(UpdateCheckError) {
        let text = String(decoding: signatureFile, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let signature = Data(base64Encoded: text), signature.count == 64 else {
            throw .badSignature("the .sig file is not base64 of a 64-byte Ed25519 signature")
        }
        let valid = keys.contains { raw in
            (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?.isValidSignature(signature, for: manifest) ?? false
        }
        guard valid else {
            throw .badSignature("it does not verify with any trusted release key")
        }
    }
}

/// An additional update key that is not base64 of 32 bytes; `index` counts from 0 in `SEALDROP_UPDATE_KEYS`.
public struct UpdateKeyError: Error, Sendable, Equatable {
    public var index: Int
}
