import Foundation
import SealdropCore

/// Composes every notification Sealdrop sends as outbox messages, rendered from `MailTemplates` in the
/// transfer's languages (the sender's for mail to the sender, the recipients' for mail to recipients).
///
/// Each method gathers the values a template may show into a context; `docs/mail-templates.md` lists
/// them. User text (names, subject, message, file names) reaches templates as data only: HTML parts
/// escape it and the MIME builder encodes headers, so it can neither inject markup nor headers.
public struct Notifications: Sendable {
    let builder: MailMessageBuilder
    /// The templates in force (uploaded language packs may add languages at run time).
    public let templateSource: MailTemplateSource
    var templates: MailTemplates { templateSource.current }
    /// The sender address in force now, when administrators may change it at run time; otherwise the builder's.
    let currentFrom: (@Sendable () -> String)?
    /// The public base URL in force now, without trailing slash.
    let currentBaseURL: @Sendable () -> String
    /// The run-time settings now (product name, colours, legal texts); nil: the built-in defaults.
    var currentSettings: @Sendable () -> SealdropSettings? = { nil }
    /// The administrator's logo now.
    var currentLogo: @Sendable () -> StoredLogo? = { nil }
    /// Where rendered HTML finds the logo.
    var logoPlacement = LogoPlacement.inline

    /// Where rendered HTML finds the logo: inside sent mail (`cid:`), at the public `/branding/logo` for HTML the
    /// REST mail endpoints hand to add-ins, or inside the page as a `data:` URI for the admin's preview.
    enum LogoPlacement { case inline, linked, embedded }

    /// The same notifications rendering the logo `placement`.
    func placing(_ placement: LogoPlacement) -> Notifications {
        var copy = self
        copy.logoPlacement = placement
        return copy
    }

    /// Fixed sender (the builder's) and base URL.
    public init(builder: MailMessageBuilder, templates: MailTemplates, baseURL: String) {
        let fixed = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.builder = builder
        self.templateSource = MailTemplateSource(templates)
        self.currentFrom = nil
        self.currentBaseURL = { fixed }
    }

    /// Sender and base URL as `configured` resolves them against the live `settings` at each message.
    public init(builder: MailMessageBuilder, templates: MailTemplates, configured: ConfiguredSettings, settings: SettingsStore,
                branding: BrandingService? = nil) {
        self.builder = builder
        self.templateSource = MailTemplateSource(templates)
        self.currentFrom = { configured.mailFrom(in: settings.current) }
        self.currentBaseURL = { configured.baseURL(in: settings.current) }
        self.currentSettings = { settings.current }
        if let branding { self.currentLogo = { branding.logo } }
    }

    /// The same notifications with `branding` and `logo` in place of the stored ones (the admin's preview).
    public func previewing(_ branding: BrandingSettings, logo: StoredLogo?) -> Notifications {
        var copy = self
        let settings = currentSettings
        copy.currentSettings = {
            var s = settings() ?? SealdropSettings()
            s.branding = branding
            return s
        }
        copy.currentLogo = { logo }
        return copy
    }

    /// Where a mail's HTML finds the logo when it is not inside the mail (mail endpoints, preview).
    public func linkedLogoURL(_ logo: StoredLogo) -> String {
        "\(baseURL)/branding/logo?v=\(Int64(logo.uploadedAt.timeIntervalSince1970))"
    }

    /// The Content-ID of the logo inside outgoing mails.
    static let logoContentID = "logo@sealdrop"

    /// Public base URL used in links now, without trailing slash.
    public var baseURL: String { currentBaseURL() }

    /// The link a recipient opens; carries the password only in mode NONE.
    public func downloadURL(transferId: TransferID, password: String?) -> String {
        var url = "\(baseURL)/download?id=\(transferId.rawValue)"
        if let password {
            url += "&password=" + (password.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")
        }
        return url
    }

    /// The sender's status page for a transfer, with revocation.
    public func statusURL(trackingId: TrackingID) -> String {
        "\(baseURL)/status?trackingId=\(trackingId.rawValue)"
    }

    // MARK: - Messages

    /// The mail carrying a verification code.
    public func verificationCode(to email: EmailAddress, code: String, validMinutes: Int, language: String, now: Date) -> OutboxMessage {
        message(.verificationCode, language: language, context: verificationCodeContext(email, code: code, validMinutes: validMinutes, language: language),
                to: [email.address], trackingId: nil, now: now)
    }

    func verificationCodeContext(_ email: EmailAddress, code: String, validMinutes: Int, language: String) -> TemplateContext {
        TemplateContext(base(language: language), MailModels.VerificationCode(code: code, validMinutes: validMinutes, email: email.address))
    }

    /// The notification to one recipient that files are ready.
    public func recipientNotification(
        transfer: TransferRecord, recipient: RecipientRecord, files: [FileRecord], linkPassword: String?, now: Date
    ) -> OutboxMessage {
        recipientNotifications(transfer: transfer, recipients: [recipient], files: files, linkPassword: linkPassword, now: now)[0]
    }

    /// The notifications to every recipient; the transfer's part of the context is built once.
    public func recipientNotifications(
        transfer: TransferRecord, recipients: [RecipientRecord], files: [FileRecord], linkPassword: String?, now: Date
    ) -> [OutboxMessage] {
        let shared = transferContext(transfer, files: files, language: transfer.settings.recipientLanguage)
        return recipients.map { recipient in
            let mail = recipientNotificationMail(shared: shared, transfer: transfer, recipient: recipient, recipients: recipients, linkPassword: linkPassword)
            return message(.recipientNotification, mail: mail, to: [recipient.email.address], trackingId: transfer.trackingId, transfer: transfer, now: now)
        }
    }

    /// The rendered recipient notification (also served as HTML by the REST mail endpoints); `recipients` are
    /// those the mail names (Bcc left out).
    public func recipientNotificationMail(
        transfer: TransferRecord, recipient: RecipientRecord, recipients: [RecipientRecord], files: [FileRecord], linkPassword: String?
    ) -> RenderedMail {
        let shared = placing(.linked).transferContext(transfer, files: files, language: transfer.settings.recipientLanguage)
        return placing(.linked).recipientNotificationMail(shared: shared, transfer: transfer, recipient: recipient, recipients: recipients,
                                                          linkPassword: linkPassword)
    }

    func recipientNotificationMail(
        shared: TemplateContext, transfer: TransferRecord, recipient: RecipientRecord, recipients: [RecipientRecord], linkPassword: String?
    ) -> RenderedMail {
        let language = transfer.settings.recipientLanguage
        let named = recipients.filter { $0.kind != .bcc }.map { MailModels.Recipient(email: $0.email.address, kind: kindLabel($0.kind, language: language)) }
        let context = TemplateContext(MailModels.RecipientNotification(
            recipientEmail: recipient.email.address, transferId: recipient.transferId.rawValue,
            downloadURL: downloadURL(transferId: recipient.transferId, password: linkPassword), passwordInLink: linkPassword != nil,
            replyURL: replyURL(transfer), recipients: named, hasRecipients: !named.isEmpty), shared)
        return templates.render(.recipientNotification, language: language, context: context)
    }

    /// A `mailto:` link answering the sender, with the transfer's subject after "Re: " when it has one.
    func replyURL(_ transfer: TransferRecord) -> String {
        let subject = DisplayText.singleLine(transfer.settings.notificationMessage.subject)
        let query = subject.isEmpty ? "" : "?subject=" + ("Re: " + subject).addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed)!
        return "mailto:" + (transfer.senderEmail.address.addingPercentEncoding(withAllowedCharacters: .mailtoAddressAllowed) ?? "") + query
    }

    /// The confirmation to the sender after provision; shows the password when one is given (a
    /// generated password, when the policy says so).
    public func uploadSummary(transfer: TransferRecord, recipients: [RecipientRecord], files: [FileRecord], password: String? = nil, now: Date) -> OutboxMessage {
        let mail = renderUploadSummary(transfer: transfer, recipients: recipients, files: files, password: password)
        return message(.uploadSummary, mail: mail, to: [transfer.senderEmail.address], trackingId: transfer.trackingId, transfer: transfer, now: now)
    }

    /// The rendered upload summary (also served as HTML by the REST mail endpoints).
    public func uploadSummaryMail(transfer: TransferRecord, recipients: [RecipientRecord], files: [FileRecord], password: String?) -> RenderedMail {
        placing(.linked).renderUploadSummary(transfer: transfer, recipients: recipients, files: files, password: password)
    }

    func renderUploadSummary(transfer: TransferRecord, recipients: [RecipientRecord], files: [FileRecord], password: String?) -> RenderedMail {
        let language = transfer.settings.senderLanguage
        let context = TemplateContext(MailModels.UploadSummary(
            recipients: recipients.map { MailModels.Recipient(email: $0.email.address, kind: kindLabel($0.kind, language: language)) },
            recipientCount: recipients.count, statusURL: statusURL(trackingId: transfer.trackingId),
            recipientsNotified: transfer.settings.sendRecipientNotification, hasPassword: password != nil, password: password ?? "",
            passwordMode: transfer.settings.passwordMode.rawValue), transferContext(transfer, files: files, language: language))
        return templates.render(.uploadSummary, language: language, context: context)
    }

    /// The copy of the recipient notification for the sender's "Sent" folder: no link, no Bcc.
    public func sentCopyMail(transfer: TransferRecord, recipients: [RecipientRecord], files: [FileRecord]) -> RenderedMail {
        templates.render(.sentCopy, language: transfer.settings.recipientLanguage,
                         context: placing(.linked).sentCopyContext(transfer: transfer, recipients: recipients, files: files))
    }

    func sentCopyContext(transfer: TransferRecord, recipients: [RecipientRecord], files: [FileRecord]) -> TemplateContext {
        let language = transfer.settings.recipientLanguage
        return TemplateContext(MailModels.SentCopy(recipients: recipients.filter { $0.kind != .bcc }.map {
            MailModels.Recipient(email: $0.email.address, kind: kindLabel($0.kind, language: language))
        }), transferContext(transfer, files: files, language: language))
    }

    /// Tells the sender that a recipient downloaded a file.
    public func downloadNotification(transfer: TransferRecord, recipient: RecipientRecord, fileName: String?, now: Date) -> OutboxMessage {
        message(.downloadNotification, language: transfer.settings.senderLanguage,
                context: downloadNotificationContext(transfer: transfer, recipient: recipient, fileName: fileName, now: now),
                to: [transfer.senderEmail.address], trackingId: transfer.trackingId, transfer: transfer, now: now)
    }

    func downloadNotificationContext(transfer: TransferRecord, recipient: RecipientRecord, fileName: String?, now: Date) -> TemplateContext {
        let language = transfer.settings.senderLanguage
        return TemplateContext(MailModels.DownloadNotification(
            recipientEmail: recipient.email.address, hasFileName: fileName != nil && transfer.settings.showFileNames,
            fileName: transfer.settings.showFileNames ? DisplayText.singleLine(fileName ?? "") : "",
            downloadedAt: DisplayFormat.date(now, language: templates.language(for: language)), statusURL: statusURL(trackingId: transfer.trackingId)),
            transferContext(transfer, files: [], language: language))
    }

    /// The summary to the sender when the transfer expires: each recipient and how often they downloaded.
    public func downloadSummary(transfer: TransferRecord, recipients: [RecipientRecord], downloads: [DownloadEvent], now: Date) -> OutboxMessage {
        message(.downloadSummary, language: transfer.settings.senderLanguage,
                context: downloadSummaryContext(transfer: transfer, recipients: recipients, downloads: downloads, now: now),
                to: [transfer.senderEmail.address], trackingId: transfer.trackingId, transfer: transfer, now: now)
    }

    func downloadSummaryContext(transfer: TransferRecord, recipients: [RecipientRecord], downloads: [DownloadEvent], now: Date) -> TemplateContext {
        let language = transfer.settings.senderLanguage
        return TemplateContext(MailModels.DownloadSummary(
            recipients: recipients.map { r in
                let count = downloads.filter { $0.transferId == r.transferId }.count
                return MailModels.DownloadSummary.Recipient(email: r.email.address, downloads: count, downloaded: count > 0)
            },
            expiredAt: DisplayFormat.date(now, language: templates.language(for: language))), transferContext(transfer, files: [], language: language))
    }

    /// Tells a recipient, or the sender (`toSender`), that a transfer was revoked, with the sender's optional message.
    public func revocation(transfer: TransferRecord, to address: EmailAddress, toSender: Bool, language: String, message text: String?, now: Date) -> OutboxMessage {
        message(.revocation, language: language, context: revocationContext(transfer: transfer, toSender: toSender, language: language, message: text),
                to: [address.address], trackingId: transfer.trackingId, transfer: transfer, now: now)
    }

    func revocationContext(transfer: TransferRecord, toSender: Bool, language: String, message text: String?) -> TemplateContext {
        TemplateContext(MailModels.Revocation(
            toSender: toSender, hasRevocationMessage: !(text ?? "").isEmpty, revocationMessage: text ?? "",
            revocationMessageHTML: DisplayFormat.htmlParagraphs(text ?? "")), transferContext(transfer, files: [], language: language))
    }

    /// Alerts the sender or an administrator (`toAdministrator`) that download protection locked a
    /// recipient for `lockMinutes` or deleted the transfer.
    public func downloadProtectionAlert(
        transfer: TransferRecord, recipient: RecipientRecord, deleted: Bool, lockMinutes: Int, to address: String, toAdministrator: Bool, now: Date
    ) -> OutboxMessage {
        message(.downloadProtection, language: transfer.settings.senderLanguage,
                context: downloadProtectionContext(transfer: transfer, recipient: recipient, deleted: deleted, lockMinutes: lockMinutes,
                                                   toAdministrator: toAdministrator, now: now),
                to: [address], trackingId: transfer.trackingId, transfer: transfer, now: now)
    }

    func downloadProtectionContext(
        transfer: TransferRecord, recipient: RecipientRecord, deleted: Bool, lockMinutes: Int, toAdministrator: Bool, now: Date
    ) -> TemplateContext {
        let language = transfer.settings.senderLanguage
        return TemplateContext(MailModels.DownloadProtection(
            recipientEmail: recipient.email.address, transferId: recipient.transferId.rawValue, deleted: deleted, lockMinutes: lockMinutes,
            toAdministrator: toAdministrator, occurredAt: DisplayFormat.date(now, language: templates.language(for: language))),
            transferContext(transfer, files: [], language: language))
    }

    /// Tells one administrator that `release` is out (the update check mails each version once).
    public func updateAvailable(_ release: UpdateRelease, running: String, to address: String, now: Date) -> OutboxMessage {
        let language = MailTemplates.fallbackLanguage
        return message(.updateAvailable, language: language, context: updateAvailableContext(release, running: running, language: language),
                       to: [address], trackingId: nil, now: now)
    }

    func updateAvailableContext(_ release: UpdateRelease, running: String, language: String) -> TemplateContext {
        TemplateContext(MailModels.UpdateAvailable(
            version: release.version, runningVersion: running, severity: release.severity.rawValue, isSecurity: release.severity == .security,
            released: DisplayFormat.date(release.released, language: templates.language(for: language)), notesURL: release.notes),
            base(language: language))
    }

    // MARK: - Contexts

    /// The address field a recipient was named in, as a mail client in that language labels it.
    func kindLabel(_ kind: RecipientKind, language: String) -> String {
        switch (kind, templates.language(for: language)) {
        case (.to, "de"): "An"
        case (.to, _): "To"
        case (.cc, _): "Cc"
        case (.bcc, _): "Bcc"
        }
    }

    /// Values every template may use.
    func base(language: String) -> MailModels.Common {
        let settings = currentSettings() ?? SealdropSettings()
        let branding = settings.branding, legal = settings.legal
        let logo = currentLogo()
        return MailModels.Common(
            productName: branding.productName, baseURL: baseURL, language: templates.language(for: language),
            accentColor: branding.accentColor, backgroundColor: branding.backgroundColor, textColor: branding.textColor,
            hasLogo: logo != nil, logoURL: logo.map(logoURL) ?? "",
            hasImprint: !legal.imprint.content.isEmpty, imprintURL: "\(baseURL)/imprint",
            imprintLabel: templates.language(for: language) == "de" ? "Impressum" : "Imprint", termsActive: legal.termsActive, termsURL: "\(baseURL)/terms")
    }

    /// The logo's address in HTML rendered with this placement.
    func logoURL(_ logo: StoredLogo) -> String {
        switch logoPlacement {
        case .inline: "cid:\(Self.logoContentID)"
        case .linked: linkedLogoURL(logo)
        case .embedded: "data:\(logo.mediaType);base64,\(Data(logo.bytes).base64EncodedString())"
        }
    }

    /// The transfer's values after the common ones (a kind's own values go before both).
    func transferContext(_ transfer: TransferRecord, files: [FileRecord], language: String) -> TemplateContext {
        let lang = templates.language(for: language)
        let s = transfer.settings
        // Names, phone and subject are lines of the text part: shown on one line even if stored otherwise.
        let name = DisplayText.singleLine(transfer.sender.name), phone = DisplayText.singleLine(transfer.sender.phone)
        let subject = DisplayText.singleLine(s.notificationMessage.subject)
        let confidential = s.confidentialMessageFileId != nil
        let message = confidential ? "" : s.notificationMessage.body
        let shown = files.filter { $0.fileId != s.confidentialMessageFileId }
        let model = MailModels.Transfer(
            trackingId: transfer.trackingId.rawValue, senderEmail: transfer.senderEmail.address, senderName: name, hasSenderName: !name.isEmpty,
            senderPhone: phone, hasSenderPhone: !phone.isEmpty,
            senderDisplay: name.isEmpty ? transfer.senderEmail.address : "\(name) <\(transfer.senderEmail.address)>",
            confidential: confidential, customSubject: subject, hasCustomSubject: !subject.isEmpty,
            hasMessage: !message.isEmpty, message: message, messageHTML: DisplayFormat.htmlParagraphs(message),
            showFileNames: s.showFileNames && !shown.isEmpty,
            files: shown.map { fileModel($0, zipContent: s.showFileNames && s.showZipFileContent, language: lang) },
            hasFiles: !shown.isEmpty, fileCount: shown.count,
            totalSize: DisplayFormat.size(shown.reduce(0) { $0 + $1.size }, language: lang),
            expires: DisplayFormat.date(s.expirationDate, language: lang))
        return TemplateContext(model, base(language: language))
    }

    /// One file as the mails list it; its ZIP listing (stored at finalize) only when `zipContent`.
    func fileModel(_ file: FileRecord, zipContent: Bool, language: String) -> MailModels.Transfer.File {
        let listing = zipContent ? file.zipListing : nil
        let entries = listing?.names.map(DisplayText.singleLine) ?? []
        let more = max(0, listing?.more ?? 0)
        return MailModels.Transfer.File(
            name: DisplayText.singleLine(file.fileName), size: DisplayFormat.size(file.size, language: language),
            zipEntries: entries, hasZipEntries: !entries.isEmpty || more > 0, moreZipEntries: more, hasMoreZipEntries: more > 0)
    }

    // MARK: - Building

    func message(_ kind: MailKind, language: String, context: TemplateContext, to: [String], trackingId: TrackingID?,
                 transfer: TransferRecord? = nil, now: Date) -> OutboxMessage {
        message(kind, mail: templates.render(kind, language: language, context: context), to: to, trackingId: trackingId, transfer: transfer, now: now)
    }

    /// The outbox message of `mail`; a transfer's policy rules may name its mails' sender (`TransferSettings.RuleOutput`).
    func message(_ kind: MailKind, mail: RenderedMail, to: [String], trackingId: TrackingID?, transfer: TransferRecord? = nil, now: Date) -> OutboxMessage {
        var builder = self.builder
        if let currentFrom { builder.from = currentFrom() }
        var productName = (currentSettings() ?? SealdropSettings()).branding.productName
        if let output = transfer?.settings.ruleOutput {
            if !output.mailSenderAddress.isEmpty { builder.from = output.mailSenderAddress }
            if !output.mailSenderName.isEmpty { productName = output.mailSenderName }
        }
        var inline: MailMessageBuilder.InlineImage?
        // Attached only when the HTML shows it: an operator's template may leave the logo out.
        if let logo = currentLogo(), mail.html.contains("cid:\(Self.logoContentID)") {
            inline = MailMessageBuilder.InlineImage(contentID: Self.logoContentID, mediaType: logo.mediaType,
                                                    fileName: logo.mediaType == "image/png" ? "logo.png" : "logo.svg", bytes: logo.bytes)
        }
        return OutboxMessage(
            kind: kind.rawValue, envelopeFrom: builder.from, envelopeTo: to, subject: mail.subject,
            message: builder.build(to: to, subject: mail.subject, text: mail.text, html: mail.html, fromName: productName, inline: inline, date: now),
            createdAt: now, trackingId: trackingId?.rawValue
        )
    }
}

extension CharacterSet {
    /// Characters left as they are in the address of a `mailto:` link (RFC 6068 addr-spec without `%`, `?`, `&`, `#`, `/`).
    static let mailtoAddressAllowed: CharacterSet = {
        CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~@!$'*+=^`{|}")
    }()

    /// Characters allowed unescaped in a URL query value (ASCII unreserved only).
    public static let urlQueryValueAllowed: CharacterSet = {
        CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    }()
}
