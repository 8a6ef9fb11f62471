import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Transfer sessions before finalize: opening one with the policy's defaults, reading and changing it, registering and
/// removing its files, discarding it. Changes when the rules for what a session may hold change.
///
/// Before finalize the transfer key is sealed under a key derived from the creator's verification token (which
/// the server keeps only as a hash); `FinalizeService` wraps it with the password later.
public struct TransferSessionService: Sendable {
    let transfers: any TransferRepository
    let blobs: any BlobStore
    let settings: SettingsStore
    /// The policy every step of a session is checked against.
    public let policy: PolicyService
    let logger: Logger
    let now: @Sendable () -> Date

    public init(transfers: any TransferRepository, blobs: any BlobStore, settings: SettingsStore, policy: PolicyService? = nil, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.transfers = transfers
        self.blobs = blobs
        self.settings = settings
        self.policy = policy ?? PolicyService(settings: settings)
        self.logger = logger
        self.now = now
    }

    /// Opens a session with the policy's defaults and returns its tracking id.
    public func createSession(
        by sender: VerifiedSender, contact: SenderContact, recipients: RecipientList, language: String, clientIP: String?
    ) async throws -> TrackingID {
        // An address named more than once (compared case-insensitively) is one recipient, in its first field.
        var seen = Set<EmailAddress>()
        let recipients = RecipientList(
            to: recipients.to.filter { seen.insert($0).inserted },
            cc: recipients.cc.filter { seen.insert($0).inserted },
            bcc: recipients.bcc.filter { seen.insert($0).inserted })
        guard !recipients.isEmpty else { throw SealdropError.malformed("At least one recipient is required") }
        let all = recipients.all.map(\.address)
        guard all.count <= 500 else { throw SealdropError.malformed("Too many recipients") }
        let evaluation = try await policy.evaluate(sender: sender.email, recipients: all, clientIP: clientIP)
        guard evaluation.allowed else { throw SealdropError.recipientRejected }
        let p = evaluation.settings
        let date = now()
        let trackingId = TrackingID.random(at: date)
        let mode = p.allowedPasswordModes.first ?? .generated
        let settings = TransferSettings(
            expirationDate: date.addingTimeInterval(TimeInterval(min(p.defaultRetentionDays, p.maxRetentionDays)) * 86400),
            passwordMode: mode, senderLanguage: language, recipientLanguage: language,
            sendDownloadNotifications: p.sendDownloadNotificationsDefault, sendDownloadSummary: p.sendDownloadSummaryDefault,
            sendRecipientNotification: true, sendUploadSummary: p.sendUploadSummaryDefault,
            showFileNames: p.showFileNamesDefault, showZipFileContent: p.showZipFileContentDefault, fileChecksumAlgorithm: "SHA256"
        )
        let tk = TransferKey()
        var sealedPassword: [UInt8]?
        if mode != .manual {
            sealedPassword = try sender.sealPassword(generatePassword(), trackingId: trackingId)
        }
        let record = TransferRecord(
            trackingId: trackingId, senderEmail: sender.email, sender: Self.clean(contact), recipients: recipients,
            settings: settings, state: .open, creatorTokenHash: sender.tokenHash, clientId: sender.clientId,
            createdAt: date, updatedAt: date, sessionSealedKey: try sender.sealTransferKey(tk, trackingId: trackingId),
            sealedPassword: sealedPassword, senderIP: clientIP
        )
        try await transfers.insertSession(record)
        logger.info("transfer.session.created", metadata: ["tracking.id": "\(trackingId)"])
        return trackingId
    }

    /// The open session, for its creator only (401/3002 for another token, 404/2003 when not open).
    public func session(_ trackingId: TrackingID, by sender: VerifiedSender) async throws -> SessionView {
        let record = try await transfers.openSession(trackingId, by: sender)
        return SessionView(transfer: record, files: try await transfers.files(of: trackingId), password: visiblePassword(record, sender))
    }

    /// The policy settings in force for the open session now (its sender, recipients and client evaluated again).
    public func effectivePolicy(_ trackingId: TrackingID, by sender: VerifiedSender) async throws -> PolicySettings {
        try await policy.settings(for: try await transfers.openSession(trackingId, by: sender))
    }

    /// Applies a partial update; 409/2001 for values the policy does not allow.
    public func patch(_ trackingId: TrackingID, by sender: VerifiedSender, with patch: SessionPatch) async throws -> SessionView {
        var record = try await transfers.openSession(trackingId, by: sender)
        let files = try await transfers.files(of: trackingId)
        let p = try await policy.settings(for: record)
        var s = record.settings
        if let contact = patch.sender { record.sender = Self.clean(contact) }
        if let date = patch.expirationDate {
            let limit = now().addingTimeInterval(TimeInterval(p.maxRetentionDays) * 86400 + 60)
            guard date > now() else { throw SealdropError.conflict("The expiration date must be in the future") }
            guard date <= limit else { throw SealdropError.conflict("The expiration date is beyond the maximum retention period of \(p.maxRetentionDays) days") }
            s.expirationDate = date
        }
        if var message = patch.notificationMessage, message != s.notificationMessage {
            // The subject becomes a mail header and a line of the text mail: one line, no direction tricks.
            message.subject = DisplayText.singleLine(message.subject)
            guard p.recipientNotificationEditable else { throw SealdropError.conflict("The recipient notification may not be edited") }
            guard message.subject.count <= 1000, message.body.count <= 100_000 else { throw SealdropError.malformed("The notification message is too long") }
            s.notificationMessage = message
        }
        if let language = patch.senderLanguage { s.senderLanguage = try Self.language(language) }
        if let language = patch.recipientLanguage { s.recipientLanguage = try Self.language(language) }
        if let value = patch.sendDownloadNotifications, value != s.sendDownloadNotifications {
            guard p.sendDownloadNotificationsChangeable else { throw SealdropError.conflict("Download notifications may not be changed") }
            s.sendDownloadNotifications = value
        }
        if let value = patch.showFileNames, value != s.showFileNames {
            guard p.showFileNamesChangeable else { throw SealdropError.conflict("Showing file names may not be changed") }
            s.showFileNames = value
        }
        if let value = patch.sendDownloadSummary { s.sendDownloadSummary = value }
        if let value = patch.sendRecipientNotification { s.sendRecipientNotification = value }
        if let value = patch.sendUploadSummary { s.sendUploadSummary = value }
        if let value = patch.showZipFileContent { s.showZipFileContent = value }
        if let algorithm = patch.fileChecksumAlgorithm {
            guard ["SHA256", "SHA-256"].contains(algorithm.uppercased()) else { throw SealdropError.conflict("Only SHA256 checksums are supported") }
        }
        if let classification = patch.classificationId { s.classificationId = classification }
        if let confidential = patch.confidentialMessageFileId {
            if let fileId = confidential {
                guard p.confidentialMessageAllowed else { throw SealdropError.conflict("A confidential message is not allowed") }
                guard files.contains(where: { $0.fileId == fileId }) else { throw SealdropError.conflict("The confidential message file is not registered") }
            }
            s.confidentialMessageFileId = confidential
        }
        if let mode = patch.passwordMode {
            guard p.allowedPasswordModes.contains(mode) else { throw SealdropError.conflict("Password mode \(mode.rawValue) is not allowed") }
            let policy = settings.current.password
            switch mode {
            case .manual:
                guard let password = patch.password, !password.isEmpty else { throw SealdropError.conflict("Password mode MANUAL needs a password") }
                guard policy.validate(password).isEmpty else { throw SealdropError.conflict("The password does not meet the password requirements") }
                record.sealedPassword = try sender.sealPassword(password, trackingId: trackingId)
            case .generated:
                if let password = patch.password, !password.isEmpty {
                    guard policy.validate(password).isEmpty else { throw SealdropError.conflict("The password does not meet the password requirements") }
                    record.sealedPassword = try sender.sealPassword(password, trackingId: trackingId)
                } else if s.passwordMode != .generated || record.sealedPassword == nil {
                    record.sealedPassword = try sender.sealPassword(generatePassword(), trackingId: trackingId)
                }
            case .none:
                if s.passwordMode != .none || record.sealedPassword == nil {
                    record.sealedPassword = try sender.sealPassword(generatePassword(), trackingId: trackingId)
                }
            }
            s.passwordMode = mode
        }
        record.settings = s
        record.updatedAt = now()
        guard try await transfers.updateSession(record) else { throw SealdropError.notFound("The transfer session") }
        return SessionView(transfer: record, files: files, password: visiblePassword(record, sender))
    }

    /// Discards a session and its uploaded data.
    public func deleteSession(_ trackingId: TrackingID, by sender: VerifiedSender) async throws {
        _ = try await transfers.openSession(trackingId, by: sender)
        try await transfers.deleteTransfer(trackingId)
        try? blobs.removeAll(trackingId: trackingId)
        logger.info("transfer.session.deleted", metadata: ["tracking.id": "\(trackingId)"])
    }

    // MARK: - Files

    /// Registers a file; 409/2001 for a duplicate name or when the size limit would be exceeded.
    public func registerFile(_ trackingId: TrackingID, by sender: VerifiedSender, name: String, size: Int64, checksum: String?) async throws -> FileID {
        let record = try await transfers.openSession(trackingId, by: sender)
        guard FileName.validateForRegistration(name), let name = FileName.cleanedForRegistration(name) else {
            throw SealdropError.malformed("The file name is empty, too long or contains NUL")
        }
        guard size >= 0 else { throw SealdropError.malformed("The file size must not be negative") }
        var declared: String?
        if let checksum, !checksum.isEmpty {
            let hex = checksum.lowercased()
            guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else { throw SealdropError.malformed("The checksum must be a SHA-256 in hex") }
            declared = hex
        }
        let files = try await transfers.files(of: trackingId)
        guard files.count < 1000 else { throw SealdropError.conflict("Too many files in one transfer") }
        let current = files.reduce(Int64(0)) { $0 + $1.size }
        // Compared by subtraction: a hostile size must not overflow the sum.
        let maxTotalSize = try await policy.settings(for: record).maxTotalSize
        guard size <= maxTotalSize - current else {
            throw SealdropError.conflict("The files exceed the maximum transfer size of \(maxTotalSize) bytes")
        }
        let file = FileRecord(trackingId: trackingId, fileId: FileID.random(), fileName: name, size: size, declaredChecksum: declared, createdAt: now())
        try await transfers.insertFile(file)
        return file.fileId
    }

    /// Removes a registered file and its content.
    public func deleteFile(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender) async throws {
        var record = try await transfers.openSession(trackingId, by: sender)
        guard try await transfers.files(of: trackingId).contains(where: { $0.fileId == fileId }) else { throw SealdropError.notFound("The file") }
        try await transfers.deleteFile(trackingId, fileId)
        try? blobs.remove(trackingId: trackingId, fileId: fileId)
        if record.settings.confidentialMessageFileId == fileId {
            record.settings.confidentialMessageFileId = nil
            record.updatedAt = now()
            _ = try await transfers.updateSession(record)
        }
    }

    // MARK: - Helpers

    /// The password for modes GENERATED and NONE, if the creator's token opens it.
    func visiblePassword(_ record: TransferRecord, _ sender: VerifiedSender) -> String? {
        guard record.settings.passwordMode != .manual, let sealed = record.sealedPassword else { return nil }
        return sender.openPassword(sealed, trackingId: record.trackingId)
    }

    /// A new password under the password policy in force.
    func generatePassword() throws -> String {
        try PasswordGenerator().generate(policy: settings.current.password)
    }

    /// The contact as stored: each field on one line (it is a line of the plain-text mails), without
    /// control or direction-formatting characters, and cut to length.
    static func clean(_ contact: SenderContact) -> SenderContact {
        SenderContact(name: String(DisplayText.singleLine(contact.name).prefix(200)), phone: String(DisplayText.singleLine(contact.phone).prefix(100)))
    }

    /// A language tag as given, or 400/1004.
    static func language(_ tag: String) throws -> String {
        let ok = !tag.isEmpty && tag.count <= 35 && tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        guard ok else { throw SealdropError.malformed("Invalid language tag") }
        return tag
    }
}

