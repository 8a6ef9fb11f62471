import Foundation
import Logging
import SealdropCore
import SealdropCrypto

extension TransferRepository {
    /// The open session if this token created it: 404/2003 when it is not open or not the sender's, 401/3002 for another token.
    func openSession(_ trackingId: TrackingID, by sender: VerifiedSender) async throws -> TransferRecord {
        guard let record = try await transfer(trackingId), record.state == .open, record.senderEmail == sender.email else {
            throw SealdropError.notFound("The transfer session")
        }
        guard record.creatorTokenHash == sender.tokenHash else { throw SealdropError.differentToken }
        return record
    }
}

/// Opens a session's transfer key for its creator: the one place that knows how the key is sealed before finalize.
struct SessionKeys: Sendable {
    let transfers: any TransferRepository
    let serverKey: ServerKey
    let logger: Logger

    /// The session's transfer key, opened with the creator's token.
    ///
    /// A session created before the key was bound to the token (sealed with the server key) is opened that way
    /// once and sealed again for the token, so the server key stops opening it.
    func transferKey(of record: TransferRecord, by sender: VerifiedSender) async throws -> TransferKey {
        guard let sealed = record.sessionSealedKey else { throw SealdropError.notFound("The transfer session") }
        if let key = sender.openTransferKey(sealed, trackingId: record.trackingId) { return key }
        guard let legacy = try? serverKey.openLegacyTransferKey(sealed, context: record.trackingId.rawValue) else {
            throw SealdropError.notFound("The transfer session")
        }
        var resealed = record
        resealed.sessionSealedKey = try sender.sealTransferKey(legacy, trackingId: record.trackingId)
        _ = try await transfers.updateSession(resealed)
        logger.notice("transfer.session.key.resealed", metadata: ["tracking.id": "\(record.trackingId)"])
        return legacy
    }
}
