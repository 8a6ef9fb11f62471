import Foundation
import SealdropCore

extension Notifications {
    /// The languages a preview may be asked in: those with mail templates.
    public var previewLanguages: [String] { templates.languages.sorted() }

    /// `kind` in `language` about a made-up transfer (Alice sends two files to Bob, Carol in Cc), as the admin's
    /// preview shows it: the logo, if any, inside the HTML as a `data:` URI so the preview needs no request.
    public func preview(_ kind: MailKind, language: String, now: Date = Date()) -> RenderedMail {
        guard logoPlacement == .embedded else { return placing(.embedded).preview(kind, language: language, now: now) }
        let sample = PreviewSample(language: language, now: now)
        let t = sample.transfer
        let mail: RenderedMail
        func render(_ context: TemplateContext) -> RenderedMail { templates.render(kind, language: language, context: context) }
        switch kind {
        case .verificationCode:
            mail = render(verificationCodeContext(t.senderEmail, code: "482913", validMinutes: 30, language: language))
        case .recipientNotification:
            mail = recipientNotificationMail(shared: transferContext(t, files: sample.files, language: language), transfer: t,
                                             recipient: sample.recipients[0], recipients: sample.recipients, linkPassword: nil)
        case .uploadSummary:
            mail = renderUploadSummary(transfer: t, recipients: sample.recipients, files: sample.files, password: "Kv7#pQ2-mX9r")
        case .sentCopy:
            mail = templates.render(.sentCopy, language: language, context: sentCopyContext(transfer: t, recipients: sample.recipients, files: sample.files))
        case .downloadNotification:
            mail = render(downloadNotificationContext(transfer: t, recipient: sample.recipients[0], fileName: sample.files[0].fileName, now: now))
        case .downloadSummary:
            let download = DownloadEvent(transferId: sample.recipients[0].transferId, fileId: sample.files[0].fileId, date: now, method: .downloaded)
            mail = render(downloadSummaryContext(transfer: t, recipients: sample.recipients, downloads: [download], now: now))
        case .revocation:
            mail = render(revocationContext(transfer: t, toSender: false, language: language, message: "The files were sent by mistake."))
        case .downloadProtection:
            mail = render(downloadProtectionContext(transfer: t, recipient: sample.recipients[0], deleted: false, lockMinutes: 60,
                                                    toAdministrator: false, now: now))
        case .digest:
            let row = TransferLogRow(trackingId: t.trackingId.rawValue, senderEmail: t.senderEmail.address, senderIP: nil, state: .active,
                                     createdAt: now, finalizedAt: now, expiresAt: t.settings.expirationDate, recipientCount: sample.recipients.count,
                                     fileCount: sample.files.count, totalSize: sample.files.reduce(0) { $0 + $1.size }, notificationFailed: false)
            let totals = TransferLogTotals(transfersSent: 12, files: 31, bytes: 734_003_200, downloads: 27, failedTransfers: 0, failedMails: 1)
            mail = render(digestContext(totals: totals, rows: [row], since: now.addingTimeInterval(-86400), language: language, now: now))
        case .updateAvailable:
            let release = UpdateRelease(version: "1.4.0", released: now, severity: .security, notes: "https://sealdrop.org/releases/1.4.0")
            mail = render(updateAvailableContext(release, running: "1.3.0", language: language))
        }
        return mail
    }
}

/// The made-up transfer of the admin's mail preview.
struct PreviewSample {
    let transfer: TransferRecord
    let recipients: [RecipientRecord]
    let files: [FileRecord]

    init(language: String, now: Date) {
        let trackingId = TrackingID.random(at: now)
        transfer = TransferRecord(
            trackingId: trackingId, senderEmail: EmailAddress("alice@example.com")!, sender: SenderContact(name: "Alice Example", phone: "+49 30 1234567"),
            recipients: RecipientList(to: [EmailAddress("bob@example.net")!], cc: [EmailAddress("carol@example.net")!]),
            settings: TransferSettings(expirationDate: now.addingTimeInterval(14 * 86400), passwordMode: .generated,
                                       notificationMessage: NotificationMessage(subject: "Quarterly report", body: "Here are the figures.\nRegards, Alice"),
                                       senderLanguage: language, recipientLanguage: language, sendDownloadNotifications: true,
                                       sendDownloadSummary: true, sendUploadSummary: true, showFileNames: true, showZipFileContent: true),
            state: .active, creatorTokenHash: [], clientId: "preview", createdAt: now, updatedAt: now, finalizedAt: now)
        recipients = [
            RecipientRecord(transferId: TransferID.random(), trackingId: trackingId, email: EmailAddress("bob@example.net")!, kind: .to),
            RecipientRecord(transferId: TransferID.random(), trackingId: trackingId, email: EmailAddress("carol@example.net")!, kind: .cc),
        ]
        files = [
            FileRecord(trackingId: trackingId, fileId: FileID.random(), fileName: "report-2026-Q4.pdf", size: 2_457_600, declaredChecksum: nil,
                       state: .uploaded, createdAt: now),
            FileRecord(trackingId: trackingId, fileId: FileID.random(), fileName: "figures.zip", size: 734_003, declaredChecksum: nil,
                       state: .uploaded, createdAt: now, zipListing: ZipListing(names: ["figures/revenue.xlsx", "figures/costs.xlsx"], more: 0)),
        ]
    }
}
