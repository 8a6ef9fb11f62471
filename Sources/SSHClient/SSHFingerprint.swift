import Crypto
import Foundation

/// The fingerprint of an SSH public key as `ssh-keygen -lf` prints it: `SHA256:` and the unpadded base64 of the
/// SHA-256 of the key blob (the wire encoding of the key, RFC 4253 §6.6).
public struct SSHFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// `SHA256:…`, unpadded base64.
    public let description: String

    /// The fingerprint of a key blob in its wire encoding.
    public init(keyBlob: some DataProtocol) {
        let digest = Data(SHA256.hash(data: Data(keyBlob))).base64EncodedString()
        description = "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// Parses a pasted fingerprint (`SHA256:…`, padding tolerated); nil when it is not one.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("SHA256:") else { return nil }
        let body = String(trimmed.dropFirst("SHA256:".count)).replacingOccurrences(of: "=", with: "")
        var padded = body
        while padded.count % 4 != 0 { padded += "=" }
        guard body.count == 43, let bytes = Data(base64Encoded: padded), bytes.count == 32 else { return nil }
        description = "SHA256:" + body
    }
}
