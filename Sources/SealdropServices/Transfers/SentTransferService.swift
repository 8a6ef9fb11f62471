import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// The sender's transfers after finalize: listing sent and received transfers, their details, revocation,
/// and deletion from the admin log view. Changes when what a sender (or the admin log) may see or end changes.
public struct SentTransferService: Sendable {
    let transfers: any TransferRepository
    let blobs: any BlobStore
    let notifications: Notifications
    let logger: Logger
    let now: @Sendable () -> Date

    public init(transfers: any TransferRepository, blobs: any BlobStore, notifications: Notifications, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.transfers = transfers
        self.blobs = blobs
        self.notifications = notifications
        self.logger = logger
        self.now = now
    }

    /// One page of transfers sent by the verified sender, newest first.
    public func sentTransfers(by sender: VerifiedSender, active: Bool?, page: Int, pageSize: Int) async throws -> [TransferDetails] {
        let records = try await transfers.transfers(sentBy: sender.email, active: active, page: page, pageSize: pageSize)
        var result: [TransferDetails] = []
        for record in records { result.append(try await details(of: record, for: sender)) }
        return result
    }

    /// One page of transfers the verified address received, newest first, as a recipient may see them.
    ///
    /// A recipient sees the To and Cc addresses; of the Bcc addresses only its own, if it is one. It sees its
    /// own recipient record and downloads only, and no file ids (spec §7.5): no files, no confidential-message
    /// file id, no link password.
    public func receivedTransfers(by sender: VerifiedSender, active: Bool?, page: Int, pageSize: Int) async throws -> [TransferDetails] {
        let records = try await transfers.transfers(receivedBy: sender.email, active: active, page: page, pageSize: pageSize)
        var result: [TransferDetails] = []
        for record in records {
            var d = try await details(of: record, for: sender)
            let listed = d.transfer.recipients
            d.transfer.recipients = RecipientList(to: listed.to, cc: listed.cc, bcc: listed.bcc.filter { $0 == sender.email })
            d.transfer.settings.confidentialMessageFileId = nil
            d.recipients = d.recipients.filter { $0.email == sender.email }
            let own = Set(d.recipients.map(\.transferId))
            d.downloads = d.downloads.filter { own.contains($0.transferId) }
            d.files = []
            d.linkPassword = nil
            result.append(d)
        }
        return result
    }

    /// Status and details of one sent transfer (404/2003 unless the verified address sent it).
    public func transferDetails(_ trackingId: TrackingID, by sender: VerifiedSender) async throws -> TransferDetails {
        guard let record = try await transfers.transfer(trackingId), record.state != .open, record.senderEmail == sender.email else {
            throw SealdropError.notFound("The transfer")
        }
        return try await details(of: record, for: sender)
    }

    /// A transfer's details as `sender` may see them (the link password only for the creating token).
    func details(of record: TransferRecord, for sender: VerifiedSender) async throws -> TransferDetails {
        let isCreator = record.creatorTokenHash == sender.tokenHash
        var linkPassword: String?
        if record.settings.passwordMode == .none, isCreator, let sealed = record.sealedPassword {
            linkPassword = sender.openPassword(sealed, trackingId: record.trackingId)
        }
        return TransferDetails(
            transfer: record, files: try await transfers.files(of: record.trackingId),
            recipients: try await transfers.recipients(of: record.trackingId), downloads: try await transfers.downloads(of: record.trackingId),
            linkPassword: linkPassword, isCreatorToken: isCreator
        )
    }

    /// Revokes an active transfer: files deleted, metadata kept, mails queued as asked.
    public func revoke(_ trackingId: TrackingID, by sender: VerifiedSender, options: RevocationOptions) async throws -> TransferDetails {
        let current = try await transferDetails(trackingId, by: sender)
        guard current.transfer.state == .active else { throw SealdropError.conflict("Only active transfers can be revoked") }
        let date = now()
        var mails: [OutboxMessage] = []
        if options.notifyRecipients {
            mails += current.recipients.map {
                notifications.revocation(transfer: current.transfer, to: $0.email, toSender: false,
                                         language: current.transfer.settings.recipientLanguage, message: options.message, now: date)
            }
        }
        if options.notifySender {
            mails.append(notifications.revocation(transfer: current.transfer, to: current.transfer.senderEmail, toSender: true,
                                                  language: current.transfer.settings.senderLanguage, message: options.message, now: date))
        }
        guard try await transfers.endTransfer(trackingId, state: .deletedByRevocation, mails: mails) else {
            throw SealdropError.conflict("Only active transfers can be revoked")
        }
        try? blobs.removeAll(trackingId: trackingId)
        logger.info("transfer.revoked", metadata: ["tracking.id": "\(trackingId)"])
        return try await transferDetails(trackingId, by: sender)
    }

    /// Deletes an active transfer from the admin log view: files removed, metadata kept, nobody notified.
    public func deleteByAdministrator(_ trackingId: TrackingID) async throws {
        guard try await transfers.endTransfer(trackingId, state: .deletedByAdmin, mails: []) else {
            throw SealdropError.conflict("Only active transfers can be deleted")
        }
        try? blobs.removeAll(trackingId: trackingId)
        logger.notice("transfer.deleted.by.admin", metadata: ["tracking.id": "\(trackingId)"])
    }
}
