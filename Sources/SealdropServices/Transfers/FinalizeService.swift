import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Finalize: the session becomes a transfer. The transfer key is wrapped with a key derived from the password and
/// the session-sealed copy is dropped, in the same transaction that creates the recipients and queues their mail.
/// Changes when what a finished transfer must satisfy, or what it sends, changes.
public struct FinalizeService: Sendable {
    let transfers: any TransferRepository
    let keys: SessionKeys
    let zipLister: ZipContentLister
    let settings: SettingsStore
    let policy: PolicyService
    let notifications: Notifications
    let kdf: KeyDerivationRunner
    let wrapParameters: PasswordKeyWrap.Parameters
    let archive: ArchivePreparer?
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        transfers: any TransferRepository, blobs: any BlobStore, serverKey: ServerKey, settings: SettingsStore, policy: PolicyService? = nil,
        notifications: Notifications, kdf: KeyDerivationRunner, wrapParameters: PasswordKeyWrap.Parameters = .default, archive: ArchivePreparer? = nil,
        logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.transfers = transfers
        self.keys = SessionKeys(transfers: transfers, serverKey: serverKey, logger: logger)
        self.zipLister = ZipContentLister(blobs: blobs, logger: logger)
        self.settings = settings
        self.policy = policy ?? PolicyService(settings: settings)
        self.notifications = notifications
        self.kdf = kdf
        self.wrapParameters = wrapParameters
        self.archive = archive
        self.logger = logger
        self.now = now
    }

    /// Turns the session into a transfer: wraps the key with the password, creates recipients, queues mail.
    public func finalize(_ trackingId: TrackingID, by sender: VerifiedSender) async throws {
        var record = try await transfers.openSession(trackingId, by: sender)
        var files = try await transfers.files(of: trackingId)
        guard !files.isEmpty else { throw SealdropError.conflict("The transfer session has no files") }
        if let pending = files.first(where: { $0.state != .uploaded }) {
            throw SealdropError.conflict("The file '\(pending.fileName.prefix(100))' is not completely uploaded")
        }
        let (policy, ruleOutput, matchedRules) = try await self.policy.finalizing(record)
        record.settings.ruleOutput = ruleOutput
        guard files.reduce(Int64(0), { $0 + $1.size }) <= policy.maxTotalSize else { throw SealdropError.conflict("The files exceed the maximum transfer size") }
        guard policy.allowedPasswordModes.contains(record.settings.passwordMode) else {
            throw SealdropError.conflict("Password mode \(record.settings.passwordMode.rawValue) is not allowed")
        }
        if policy.confidentialMessageRequired && record.settings.confidentialMessageFileId == nil {
            throw SealdropError.conflict("A confidential message is required")
        }
        guard record.settings.expirationDate > now() else { throw SealdropError.conflict("The expiration date has passed") }
        guard let sealedPassword = record.sealedPassword, let password = sender.openPassword(sealedPassword, trackingId: trackingId) else {
            throw SealdropError.conflict("No transfer password has been set")
        }
        let tk = try await keys.transferKey(of: record, by: sender)
        // The ZIP listings need the key, which only the password opens after this; the confidential message is no ZIP to list.
        var zipListings: [FileID: ZipListing] = [:]
        if record.settings.showFileNames && record.settings.showZipFileContent {
            zipListings = zipLister.listings(of: files.filter { $0.fileId != record.settings.confidentialMessageFileId }, transferKey: tk)
            for index in files.indices { files[index].zipListing = zipListings[files[index].fileId] }
        }
        let parameters = wrapParameters
        let wrapped = try await kdf.run { try PasswordKeyWrap.wrap(tk, password: password, context: trackingId.rawValue, parameters: parameters) }
        let date = now()
        record.state = .active
        record.finalizedAt = date
        record.updatedAt = date
        record.wrappedKey = wrapped.serialized()
        record.sessionSealedKey = nil
        // Only mode NONE keeps the password (sealed for the creator's token) for the status link.
        record.sealedPassword = record.settings.passwordMode == .none ? sealedPassword : nil
        let recipients = record.recipients.all.map {
            RecipientRecord(transferId: TransferID.random(), trackingId: trackingId, email: $0.address, kind: $0.kind)
        }
        let linkPassword = record.settings.passwordMode == .none ? password : nil
        var mails: [OutboxMessage] = []
        if record.settings.sendRecipientNotification {
            mails += notifications.recipientNotifications(transfer: record, recipients: recipients, files: files, linkPassword: linkPassword, now: date)
        }
        if record.settings.sendUploadSummary {
            let shown = record.settings.passwordMode == .generated && policy.generatedPasswordInUploadSummary ? password : nil
            mails.append(notifications.uploadSummary(transfer: record, recipients: recipients, files: files, password: shown, now: date))
        }
        let job = try await prepareArchive(record, files: files, recipients: recipients, transferKey: tk, mails: mails, rules: matchedRules, now: date)
        guard try await transfers.finalize(record, zipListings: zipListings, recipients: recipients, mails: mails, archiveJob: job) else {
            if let job { archive?.spool.remove(job.trackingId) }
            throw SealdropError.notFound("The transfer session")
        }
        logger.info("transfer.finalized", metadata: ["tracking.id": "\(trackingId)", "files": "\(files.count)", "recipients": "\(recipients.count)",
                                                     "archived": "\(job != nil)"])
    }

    /// The archive copy of the transfer prepared in the spool, when its rules (or the archive's default) ask for one;
    /// a full disk refuses the finalize like a full upload (nothing is lost: the session stays open).
    func prepareArchive(_ record: TransferRecord, files: [FileRecord], recipients: [RecipientRecord], transferKey: TransferKey,
                        mails: [OutboxMessage], rules: [String], now date: Date) async throws -> ArchiveJob? {
        let settings = self.settings.current.archive
        guard let archive, record.settings.ruleOutput?.archive ?? settings.enabled else { return nil }
        let notification = mails.first { $0.kind == "recipient-notification" }?.message
        let input = ArchivePreparer.Input(transfer: record, files: files, recipients: recipients, transferKey: transferKey,
                                          notification: notification, rules: rules, now: date)
        do {
            return try await archive.prepare(input, settings: settings)
        } catch let error as ArchiveError where error.diskFull {
            logger.error("archive.spool.full", metadata: ["tracking.id": "\(record.trackingId)"])
            throw SealdropError.storageFull
        }
    }
}
