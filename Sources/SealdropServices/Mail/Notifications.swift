import Foundation
import SealdropCore

/// Composes every notification Sealdrop sends, in English or German, as outbox messages.
///
/// Texts are plain and short for now; the mail issue replaces them with operator-editable templates.
public struct Notifications: Sendable {
    let builder: MailMessageBuilder
    /// Public base URL used in links, without trailing slash.
    let baseURL: String

    public init(builder: MailMessageBuilder, baseURL: String) {
        self.builder = builder
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    static func isGerman(_ language: String) -> Bool { language.lowercased().hasPrefix("de") }

    func message(kind: String, to: [String], subject: String, body: String, trackingId: TrackingID?, now: Date) -> OutboxMessage {
        OutboxMessage(
            kind: kind, envelopeFrom: builder.from, envelopeTo: to, subject: subject,
            message: builder.build(to: to, subject: subject, body: body, date: now), createdAt: now, trackingId: trackingId?.rawValue
        )
    }

    /// The mail carrying a verification code.
    public func verificationCode(to email: EmailAddress, code: String, validMinutes: Int, language: String, now: Date) -> OutboxMessage {
        let de = Self.isGerman(language)
        let subject = de ? "Ihr Verifizierungscode" : "Your verification code"
        let body = de
            ? "Ihr Verifizierungscode lautet:\n\n    \(code)\n\nEr ist \(validMinutes) Minuten gültig. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese Nachricht."
            : "Your verification code is:\n\n    \(code)\n\nIt is valid for \(validMinutes) minutes. If you did not ask for it, ignore this message."
        return message(kind: "verification-code", to: [email.address], subject: subject, body: body, trackingId: nil, now: now)
    }

    /// The link a recipient opens; carries the password only in mode NONE.
    public func downloadURL(transferId: TransferID, password: String?) -> String {
        var url = "\(baseURL)/download?id=\(transferId.rawValue)"
        if let password {
            url += "&password=" + (password.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")
        }
        return url
    }

    /// The notification to one recipient that files are ready.
    public func recipientNotification(
        transfer: TransferRecord, recipient: RecipientRecord, files: [FileRecord], linkPassword: String?, now: Date
    ) -> OutboxMessage {
        let de = Self.isGerman(transfer.settings.recipientLanguage)
        let senderLine = transfer.sender.name.isEmpty ? transfer.senderEmail.address : "\(transfer.sender.name) <\(transfer.senderEmail.address)>"
        let hasConfidential = transfer.settings.confidentialMessageFileId != nil
        var subject = transfer.settings.notificationMessage.subject
        if hasConfidential || subject.isEmpty {
            subject = hasConfidential ? (de ? "Vertrauliche Nachricht" : "Confidential message")
                : (de ? "Dateien von \(senderLine)" : "Files from \(senderLine)")
        }
        var body = de ? "\(senderLine) hat Ihnen Dateien bereitgestellt.\n" : "\(senderLine) has provided files for you.\n"
        if !transfer.sender.phone.isEmpty { body += (de ? "Telefon: " : "Phone: ") + transfer.sender.phone + "\n" }
        let message = transfer.settings.notificationMessage.body
        if !message.isEmpty && !hasConfidential { body += "\n" + message + "\n" }
        if transfer.settings.showFileNames {
            body += "\n" + (de ? "Dateien:" : "Files:") + "\n"
            for file in files where file.fileId != transfer.settings.confidentialMessageFileId { body += "  - \(file.fileName)\n" }
        }
        body += "\n" + (de ? "Abrufen: " : "Retrieve: ") + downloadURL(transferId: recipient.transferId, password: linkPassword) + "\n"
        body += (de ? "Transfer-ID: " : "Transfer ID: ") + recipient.transferId.rawValue + "\n"
        body += (de ? "Verfügbar bis: " : "Available until: ") + APIDate.format(transfer.settings.expirationDate, timeZone: TimeZone(identifier: "UTC")!) + "\n"
        if linkPassword == nil {
            body += de ? "\nDas Passwort erhalten Sie vom Absender auf anderem Weg.\n" : "\nThe sender will give you the password separately.\n"
        }
        return self.message(kind: "recipient-notification", to: [recipient.email.address], subject: subject, body: body,
                            trackingId: transfer.trackingId, now: now)
    }

    /// The confirmation to the sender after provision.
    public func uploadSummary(transfer: TransferRecord, recipients: [RecipientRecord], files: [FileRecord], now: Date) -> OutboxMessage {
        let de = Self.isGerman(transfer.settings.senderLanguage)
        let subject = de ? "Ihre Dateien wurden bereitgestellt (\(transfer.trackingId.rawValue))" : "Your files were provided (\(transfer.trackingId.rawValue))"
        var body = de ? "Tracking-ID: \(transfer.trackingId.rawValue)\n\nEmpfänger:\n" : "Tracking ID: \(transfer.trackingId.rawValue)\n\nRecipients:\n"
        for r in recipients { body += "  - \(r.email.address)\n" }
        body += "\n" + (de ? "Dateien:" : "Files:") + "\n"
        for f in files { body += "  - \(f.fileName) (\(f.size) bytes)\n" }
        body += "\n" + (de ? "Status und Widerruf: " : "Status and revocation: ") + "\(baseURL)/status?trackingId=\(transfer.trackingId.rawValue)\n"
        return message(kind: "upload-summary", to: [transfer.senderEmail.address], subject: subject, body: body, trackingId: transfer.trackingId, now: now)
    }

    /// Tells the sender that a recipient downloaded a file.
    public func downloadNotification(transfer: TransferRecord, recipient: RecipientRecord, fileName: String?, now: Date) -> OutboxMessage {
        let de = Self.isGerman(transfer.settings.senderLanguage)
        let subject = de ? "Ihre Dateien wurden abgerufen (\(transfer.trackingId.rawValue))" : "Your files were retrieved (\(transfer.trackingId.rawValue))"
        var body = de ? "\(recipient.email.address) hat Dateien abgerufen.\n" : "\(recipient.email.address) retrieved files.\n"
        if let fileName, transfer.settings.showFileNames { body += (de ? "Datei: " : "File: ") + fileName + "\n" }
        return message(kind: "download-notification", to: [transfer.senderEmail.address], subject: subject, body: body, trackingId: transfer.trackingId, now: now)
    }

    /// The summary to the sender when the transfer expires.
    public func downloadSummary(transfer: TransferRecord, recipients: [RecipientRecord], downloads: [DownloadEvent], now: Date) -> OutboxMessage {
        let de = Self.isGerman(transfer.settings.senderLanguage)
        let subject = de ? "Transfer abgelaufen (\(transfer.trackingId.rawValue))" : "Transfer expired (\(transfer.trackingId.rawValue))"
        var body = de ? "Der Transfer \(transfer.trackingId.rawValue) ist abgelaufen.\n\n" : "Transfer \(transfer.trackingId.rawValue) has expired.\n\n"
        for r in recipients {
            let count = downloads.filter { $0.transferId == r.transferId }.count
            body += "  - \(r.email.address): " + (de ? "\(count) Abrufe\n" : "\(count) downloads\n")
        }
        return message(kind: "download-summary", to: [transfer.senderEmail.address], subject: subject, body: body, trackingId: transfer.trackingId, now: now)
    }

    /// Tells recipients (and the sender) that a transfer was revoked.
    public func revocation(transfer: TransferRecord, to address: EmailAddress, language: String, message: String?, now: Date) -> OutboxMessage {
        let de = Self.isGerman(language)
        let subject = de ? "Transfer widerrufen" : "Transfer revoked"
        var body = de
            ? "Der Transfer von \(transfer.senderEmail.address) (\(transfer.trackingId.rawValue)) wurde widerrufen. Die Dateien sind nicht mehr abrufbar.\n"
            : "The transfer from \(transfer.senderEmail.address) (\(transfer.trackingId.rawValue)) was revoked. Its files can no longer be retrieved.\n"
        if let message, !message.isEmpty { body += "\n" + message + "\n" }
        return self.message(kind: "revocation", to: [address.address], subject: subject, body: body, trackingId: transfer.trackingId, now: now)
    }

    /// Alerts the sender or an administrator about download protection kicking in.
    public func downloadProtectionAlert(transfer: TransferRecord, recipient: RecipientRecord, deleted: Bool, to address: String, now: Date) -> OutboxMessage {
        let de = Self.isGerman(transfer.settings.senderLanguage)
        let subject = de ? "Zu viele falsche Passwörter (\(transfer.trackingId.rawValue))" : "Too many wrong passwords (\(transfer.trackingId.rawValue))"
        let action = deleted
            ? (de ? "Der Transfer wurde gelöscht." : "The transfer was deleted.")
            : (de ? "Der Abruf für \(recipient.email.address) wurde vorübergehend gesperrt." : "Retrieval for \(recipient.email.address) was locked for a while.")
        let body = (de ? "Für den Empfänger \(recipient.email.address) wurde zu oft ein falsches Passwort eingegeben.\n"
                       : "A wrong password was entered too often for recipient \(recipient.email.address).\n") + action + "\n"
        return message(kind: "download-protection", to: [address], subject: subject, body: body, trackingId: transfer.trackingId, now: now)
    }
}

extension CharacterSet {
    /// Characters allowed unescaped in a URL query value (ASCII unreserved only).
    public static let urlQueryValueAllowed: CharacterSet = {
        CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    }()
}
