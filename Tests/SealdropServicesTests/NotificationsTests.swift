import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// `Notifications` rendered from the built-in and overridden `MailTemplates`: content of every kind in
/// both languages, the neutral subject, passwords only where they belong, escaping of user text.
@Suite struct NotificationsTests {
    let date = Date(timeIntervalSince1970: 1_750_000_000)
    let builder = MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org")

    func notifications(_ templates: MailTemplates? = nil) throws -> Notifications {
        Notifications(builder: builder, templates: try templates ?? MailTemplates(), baseURL: "https://sealdrop.test/")
    }

    func transfer(language: String = "en", subject: String = "Quarterly report", body: String = "Here they are.\nRegards",
                  confidential: FileID? = nil, showFileNames: Bool = true, name: String = "Alice Example", phone: String = "+49 30 1234") -> TransferRecord {
        let trackingId = TrackingID.random(at: date)
        return TransferRecord(
            trackingId: trackingId, senderEmail: EmailAddress("alice@example.org")!, sender: SenderContact(name: name, phone: phone),
            recipients: RecipientList(to: [EmailAddress("bob@example.net")!]),
            settings: TransferSettings(expirationDate: date.addingTimeInterval(14 * 86400), passwordMode: .manual,
                                       notificationMessage: NotificationMessage(subject: subject, body: body),
                                       senderLanguage: language, recipientLanguage: language,
                                       sendDownloadNotifications: true, sendDownloadSummary: true, sendUploadSummary: true,
                                       showFileNames: showFileNames, showZipFileContent: false, confidentialMessageFileId: confidential),
            state: .active, creatorTokenHash: [], clientId: "c", createdAt: date, updatedAt: date)
    }

    func recipient(_ t: TransferRecord, _ email: String = "bob@example.net", kind: RecipientKind = .to) -> RecipientRecord {
        RecipientRecord(transferId: TransferID.random(), trackingId: t.trackingId, email: EmailAddress(email)!, kind: kind)
    }

    func file(_ t: TransferRecord, _ name: String, _ size: Int64) -> FileRecord {
        FileRecord(trackingId: t.trackingId, fileId: FileID.random(), fileName: name, size: size, declaredChecksum: nil, state: .uploaded, createdAt: date)
    }

    /// One message of every kind, for the checks that hold for all.
    func everyKind(_ n: Notifications, language: String) -> [OutboxMessage] {
        let t = transfer(language: language)
        let r = recipient(t)
        let files = [file(t, "report.pdf", 1_500_000)]
        return [
            n.verificationCode(to: EmailAddress("alice@example.org")!, code: "AB12CD34EF", validMinutes: 15, language: language, now: date),
            n.recipientNotification(transfer: t, recipient: r, files: files, linkPassword: nil, now: date),
            n.uploadSummary(transfer: t, recipients: [r], files: files, now: date),
            n.downloadNotification(transfer: t, recipient: r, fileName: "report.pdf", now: date),
            n.downloadSummary(transfer: t, recipients: [r], downloads: [], now: date),
            n.revocation(transfer: t, to: r.email, toSender: false, language: language, message: "Sent by mistake", now: date),
            n.revocation(transfer: t, to: t.senderEmail, toSender: true, language: language, message: nil, now: date),
            n.downloadProtectionAlert(transfer: t, recipient: r, deleted: false, lockMinutes: 60, to: "alice@example.org", toAdministrator: false, now: date),
            n.downloadProtectionAlert(transfer: t, recipient: r, deleted: true, lockMinutes: 60, to: "admin@example.org", toAdministrator: true, now: date),
        ]
    }

    @Test(arguments: ["en", "de"])
    func everyKindIsMultipartWithTextAndHTML(_ language: String) throws {
        let n = try notifications()
        for message in everyKind(n, language: language) {
            let mail = try ParsedMail(message.message)
            #expect(mail.partTypes == ["text/plain; charset=utf-8", "text/html; charset=utf-8"], "\(message.kind)")
            #expect(!message.subject.isEmpty && !message.subject.contains("{{"), "\(message.kind)")
            #expect(!mail.body.contains("{{") && !mail.body.contains("}}"), "\(message.kind)")
            let html = try #require(mail.html)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<html lang=\"\(language)\">"), "\(message.kind)")
            #expect(!html.contains("{{") && !html.contains("}}"), "\(message.kind)")
            #expect(mail.bodyLines.allSatisfy { $0.utf8.count <= 998 })
        }
    }

    @Test func germanTextsAreGerman() throws {
        let messages = everyKind(try notifications(), language: "de-DE")
        let subjects = messages.map(\.subject)
        #expect(subjects[0] == "Ihr Verifizierungscode")
        #expect(subjects[1] == "Quarterly report")
        #expect(subjects[2].hasSuffix("wurde bereitgestellt"))
        #expect(subjects[3].contains("abgerufen"))
        #expect(subjects[4].hasSuffix("ist abgelaufen"))
        #expect(subjects[5].contains("widerrufen") && subjects[6].hasPrefix("Sie haben"))
        #expect(subjects[7].hasPrefix("Zu viele falsche Passwörter"))
        let body = try ParsedMail(messages[1].message).body
        #expect(body.contains("Verfügbar bis: "))
        #expect(body.contains("Dateien (1, 1,5 MB):"))
    }

    @Test func unknownLanguageFallsBackToEnglish() throws {
        let n = try notifications()
        let message = n.verificationCode(to: EmailAddress("a@example.org")!, code: "AB12CD34EF", validMinutes: 15, language: "fr-CA", now: date)
        #expect(message.subject == "Your verification code")
    }

    @Test func recipientNotificationCarriesTheTransferDetails() throws {
        let n = try notifications()
        let t = transfer()
        let r = recipient(t)
        let files = [file(t, "report.pdf", 1_500_000), file(t, "Übersicht 2026.xlsx", 999)]
        let message = n.recipientNotification(transfer: t, recipient: r, files: files, linkPassword: nil, now: date)
        let mail = try ParsedMail(message.message)
        #expect(message.subject == "Quarterly report")
        #expect(message.envelopeTo == ["bob@example.net"])
        for expected in ["Alice Example <alice@example.org> has provided files", "Phone: +49 30 1234", "Here they are.\r\nRegards",
                         "Files (2, 1.5 MB):", "  - report.pdf (1.5 MB)", "  - Übersicht 2026.xlsx (999 bytes)",
                         "https://sealdrop.test/download?id=\(r.transferId.rawValue)\r\n", "Transfer ID: \(r.transferId.rawValue)",
                         "Available until: 29 June 2025", "You need a password"] {
            #expect(mail.body.contains(expected), "missing: \(expected)")
        }
        let html = try #require(mail.html)
        #expect(html.contains("href=\"https://sealdrop.test/download?id=\(r.transferId.rawValue)\""))
        #expect(html.contains("Here they are.<br>\r\nRegards"))
        #expect(html.contains("Übersicht 2026.xlsx"))
    }

    @Test func modeNoneLinkCarriesThePasswordAndSaysSo() throws {
        let n = try notifications()
        let t = transfer()
        let r = recipient(t)
        let body = try ParsedMail(n.recipientNotification(transfer: t, recipient: r, files: [], linkPassword: "a b&c", now: date).message).body
        #expect(body.contains("download?id=\(r.transferId.rawValue)&password=a%20b%26c"))
        #expect(body.contains("without a further password"))
        #expect(!body.contains("You need a password"))
    }

    @Test func confidentialMessageGetsTheNeutralSubjectAndHidesTheText() throws {
        let n = try notifications()
        let messageFile = FileID.random()
        for (language, neutral) in [("en", "Confidential message"), ("de", "Vertrauliche Nachricht")] {
            let t = transfer(language: language, subject: "Merger plans", body: "Secret details", confidential: messageFile)
            var eml = file(t, "message.eml", 100)
            eml.fileId = messageFile
            let message = n.recipientNotification(transfer: t, recipient: recipient(t), files: [eml, file(t, "a.pdf", 10)], linkPassword: nil, now: date)
            let mail = try ParsedMail(message.message)
            #expect(message.subject == neutral)
            #expect(ParsedMail.decodeWords(try #require(mail.header("Subject"))) == neutral)
            for part in [mail.body, try #require(mail.html)] {
                #expect(!part.contains("Merger plans") && !part.contains("Secret details") && !part.contains("message.eml"))
                #expect(part.contains("a.pdf"))
            }
        }
    }

    @Test func fileNamesOnlyWhenShown() throws {
        let n = try notifications()
        let t = transfer(showFileNames: false)
        let mail = try ParsedMail(n.recipientNotification(transfer: t, recipient: recipient(t), files: [file(t, "secret-name.pdf", 10)], linkPassword: nil, now: date).message)
        #expect(!mail.body.contains("secret-name") && !(mail.html ?? "").contains("secret-name"))
        let download = try ParsedMail(n.downloadNotification(transfer: t, recipient: recipient(t), fileName: "secret-name.pdf", now: date).message)
        #expect(!download.body.contains("secret-name") && download.body.contains("retrieved files"))
    }

    @Test func emptySubjectFallsBackToTheSender() throws {
        let n = try notifications()
        let t = transfer(subject: "")
        #expect(n.recipientNotification(transfer: t, recipient: recipient(t), files: [], linkPassword: nil, now: date).subject
            == "Files from Alice Example <alice@example.org>")
        let unnamed = transfer(subject: "", name: "")
        #expect(n.recipientNotification(transfer: unnamed, recipient: recipient(unnamed), files: [], linkPassword: nil, now: date).subject
            == "Files from alice@example.org")
    }

    @Test func userTextIsEscapedInHTMLAndNeverMarkup() throws {
        let n = try notifications()
        let t = transfer(body: "<script>alert(1)</script>", name: "<img src=x onerror=alert(1)>")
        let r = recipient(t)
        let mail = try ParsedMail(n.recipientNotification(transfer: t, recipient: r, files: [file(t, "<b>x</b>.pdf", 1)], linkPassword: nil, now: date).message)
        let html = try #require(mail.html)
        #expect(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>x</b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;b&gt;x&lt;/b&gt;.pdf"))
        #expect(mail.body.contains("<script>alert(1)</script>"))
    }

    @Test func uploadSummaryListsRecipientsAndShowsAPasswordOnlyWhenGiven() throws {
        let n = try notifications()
        let t = transfer()
        let recipients = [recipient(t), recipient(t, "carol@example.com", kind: .cc), recipient(t, "dave@example.com", kind: .bcc)]
        let files = [file(t, "report.pdf", 2_000_000_000)]
        let without = try ParsedMail(n.uploadSummary(transfer: t, recipients: recipients, files: files, now: date).message)
        for expected in ["Tracking ID: \(t.trackingId.rawValue)", "  - bob@example.net (To)", "  - carol@example.com (Cc)",
                         "  - dave@example.com (Bcc)", "  - report.pdf (2.0 GB)", "https://sealdrop.test/status?trackingId=\(t.trackingId.rawValue)"] {
            #expect(without.body.contains(expected), "missing: \(expected)")
        }
        #expect(!without.body.contains("Password:"))
        let with = try ParsedMail(n.uploadSummary(transfer: t, recipients: recipients, files: files, password: "Vt7#kRm2!pQz", now: date).message)
        #expect(with.body.contains("Password: Vt7#kRm2!pQz"))
        #expect(try #require(with.html).contains("Vt7#kRm2!pQz"))
    }

    @Test func sentCopyLeavesOutBccAndTheLink() throws {
        let n = try notifications()
        let t = transfer()
        let recipients = [recipient(t), recipient(t, "dave@example.com", kind: .bcc)]
        let mail = n.sentCopyMail(transfer: t, recipients: recipients, files: [])
        #expect(mail.html.contains("bob@example.net") && !mail.html.contains("dave@example.com"))
        #expect(!mail.html.contains("/download?id="))
    }

    @Test func downloadProtectionSaysWhatHappened() throws {
        let messages = everyKind(try notifications(), language: "en")
        let locked = try ParsedMail(messages[7].message).body
        #expect(locked.contains("locked retrieval for this recipient for 60 minutes") && locked.contains("your transfer"))
        let deleted = try ParsedMail(messages[8].message).body
        #expect(deleted.contains("deleted the transfer") && deleted.contains("from Alice Example <alice@example.org>"))
        #expect(messages[8].envelopeTo == ["admin@example.org"])
    }

    @Test func revocationTellsRecipientAndSenderApart() throws {
        let messages = everyKind(try notifications(), language: "en")
        let toRecipient = try ParsedMail(messages[5].message).body
        #expect(toRecipient.contains("Alice Example <alice@example.org> revoked the transfer") && toRecipient.contains("Sent by mistake"))
        #expect(messages[6].subject.hasPrefix("You revoked transfer"))
    }

    // MARK: - Operator overrides

    @Test func overrideDirectoryReplacesFilesAndAddsLanguages() throws {
        let dir = try TemporaryDirectory()
        try "Code für {{email}}: {{code}}".write(toFile: dir.file("verification-code.en.subject.mustache"), atomically: true, encoding: .utf8)
        try "Votre code : {{code}}".write(toFile: dir.file("verification-code.fr.text.mustache"), atomically: true, encoding: .utf8)
        let templates = try MailTemplates(overrideDirectory: dir.path)
        #expect(templates.languages == ["en", "de", "fr"])
        let n = try notifications(templates)
        let en = n.verificationCode(to: EmailAddress("a@example.org")!, code: "AB12CD34EF", validMinutes: 15, language: "en", now: date)
        #expect(en.subject == "Code für a@example.org: AB12CD34EF")
        let fr = n.verificationCode(to: EmailAddress("a@example.org")!, code: "AB12CD34EF", validMinutes: 15, language: "fr", now: date)
        #expect(try ParsedMail(fr.message).body == "Votre code : AB12CD34EF")
        // Parts without a French file fall back to English.
        #expect(fr.subject == "Code für a@example.org: AB12CD34EF")
        #expect(try #require(try ParsedMail(fr.message).html).contains("your verification code"))
    }

    @Test func brokenOverrideIsReportedWithItsFileName() throws {
        let dir = try TemporaryDirectory()
        try "{{#open}} never closed".write(toFile: dir.file("upload-summary.de.text.mustache"), atomically: true, encoding: .utf8)
        #expect {
            _ = try MailTemplates(overrideDirectory: dir.path)
        } throws: { error in
            (error as? MailTemplateError)?.file.hasSuffix("upload-summary.de.text.mustache") == true
        }
    }

    @Test func missingOverrideDirectoryIsFine() throws {
        #expect(try MailTemplates(overrideDirectory: "/nonexistent/sealdrop/templates").languages == ["en", "de"])
    }

    /// Stored before input was cleaned (or written by hand): still one line each in the text mail, and no
    /// direction override around a file name.
    @Test func senderLinesAndFileNamesCannotForgeOrSpoofTheTextMail() throws {
        let n = try notifications()
        let t = transfer(subject: "Invoice\r\nX-Injected: yes", name: "Alice\r\nBcc: mallory@example.com\r\n\r\nClick here",
                         phone: "+49 30\nTransfer ID: FAKEFAKE00")
        let r = recipient(t)
        let files = [file(t, "invoice\u{202E}fdp.exe", 10)]
        for message in [n.recipientNotification(transfer: t, recipient: r, files: files, linkPassword: nil, now: date),
                        n.uploadSummary(transfer: t, recipients: [r], files: files, now: date),
                        n.downloadNotification(transfer: t, recipient: r, fileName: files[0].fileName, now: date)] {
            let mail = try ParsedMail(message.message)
            let lines = mail.body.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(!lines.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("Click here") || $0.hasPrefix("X-Injected") || $0.hasPrefix("Transfer ID: FAKE") },
                    "\(message.kind): \(mail.body)")
            #expect(!mail.body.unicodeScalars.contains("\u{202E}") && !(mail.html ?? "").unicodeScalars.contains("\u{202E}"))
            #expect(!message.subject.contains("\n"))
        }
        let notification = try ParsedMail(n.recipientNotification(transfer: t, recipient: r, files: files, linkPassword: nil, now: date).message)
        #expect(notification.body.contains("Alice Bcc: mallory@example.com Click here <alice@example.org>"))
        #expect(notification.body.contains("invoicefdp.exe"))
    }
}
