import Crypto
import Foundation
import SealdropCore

/// A sender whose address was proven for this client id by a verification token.
public struct VerifiedSender: Sendable {
    public var email: EmailAddress
    public var clientId: String
    /// The raw token as presented; used to seal the session password so only this token can read it.
    public var token: String
    public var tokenHash: [UInt8] { VerifiedSender.hash(token: token) }

    public init(email: EmailAddress, clientId: String, token: String) {
        self.email = email
        self.clientId = clientId
        self.token = token
    }

    /// SHA-256 of a token; tokens are only stored in this form.
    public static func hash(token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// A key only this token can re-derive, for secrets bound to the session creator (salt: tracking id).
    func sessionKey(trackingId: TrackingID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(token.utf8)), salt: Array(trackingId.rawValue.utf8),
                               info: Array("sealdrop/session-password/v1".utf8), outputByteCount: 32)
    }

    /// Seals the transfer password for this token.
    func sealPassword(_ password: String, trackingId: TrackingID) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(password.utf8), using: sessionKey(trackingId: trackingId), authenticating: Array(trackingId.rawValue.utf8))
        return Array(box.combined!)
    }

    /// Opens a password sealed by `sealPassword` with the same token; nil for another token.
    func openPassword(_ sealed: [UInt8], trackingId: TrackingID) -> String? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let plain = try? AES.GCM.open(box, using: sessionKey(trackingId: trackingId), authenticating: Array(trackingId.rawValue.utf8))
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
