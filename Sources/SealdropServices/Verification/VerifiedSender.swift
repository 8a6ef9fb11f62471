import Crypto
import Foundation
import SealdropCore
import SealdropCrypto

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

    /// A key only this token can re-derive, sealing the transfer key TK until finalize (salt: tracking id).
    ///
    /// The server stores the token only as a SHA-256 hash, so nothing in the data dir — `server.key` included —
    /// opens a session's TK: a copy of the disk cannot decrypt files that were uploaded but not yet sent.
    func transferKeySealingKey(trackingId: TrackingID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(token.utf8)), salt: Array(trackingId.rawValue.utf8),
                               info: Array("sealdrop/session-transfer-key/v1".utf8), outputByteCount: 32)
    }

    /// Seals the session's transfer key for this token (AES-256-GCM, the tracking id as authenticated data).
    func sealTransferKey(_ key: TransferKey, trackingId: TrackingID) throws -> [UInt8] {
        let box = try AES.GCM.seal(key.rawBytes, using: transferKeySealingKey(trackingId: trackingId),
                                   authenticating: Array(trackingId.rawValue.utf8))
        return Array(box.combined!)
    }

    /// Opens a transfer key sealed by `sealTransferKey` with the same token; nil for another token or a tampered value.
    func openTransferKey(_ sealed: [UInt8], trackingId: TrackingID) -> TransferKey? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let raw = try? AES.GCM.open(box, using: transferKeySealingKey(trackingId: trackingId), authenticating: Array(trackingId.rawValue.utf8))
        else { return nil }
        return try? TransferKey(rawBytes: raw)
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
