import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// `MailMessageBuilder`: no header injection, RFC 2047 subjects, base64 bodies in short lines.
@Suite struct MailMessageBuilderTests {
    let builder = MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org")
    let date = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func wellFormedHeadersAndBody() throws {
        let body = "Hello Bob,\r\n.\r\nline two\nFrom: not a header\n" + String(repeating: "x", count: 300)
        let mail = try ParsedMail(builder.build(to: ["bob@example.net", "carol@example.com"], subject: "Files for you", body: body, date: date))
        #expect(mail.header("From") == "Sealdrop <sealdrop@example.org>")
        #expect(mail.header("To") == "bob@example.net, carol@example.com")
        #expect(mail.header("Subject") == "Files for you")
        #expect(mail.header("Date") == "Sun, 15 Jun 2025 15:06:40 +0000")
        #expect(mail.header("MIME-Version") == "1.0")
        let messageId = try #require(mail.header("Message-ID"))
        #expect(messageId.hasPrefix("<") && messageId.hasSuffix("@example.org>"))
        #expect(mail.body == body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(mail.bodyLines.count > 1)
        #expect(mail.bodyLines.allSatisfy { $0.count <= 76 })
        #expect(mail.bodyLines.dropLast().allSatisfy { $0.count == 76 })
    }

    @Test func everyLineEndsWithCRLF() {
        let bytes = builder.build(to: ["bob@example.net"], subject: "Grüße\r\nX", body: "a\nb\rc", fromName: "Ä\nB", date: date)
        #expect(bytes.suffix(2) == [13, 10])
        for (i, byte) in bytes.enumerated() where byte == 10 {
            #expect(i > 0 && bytes[i - 1] == 13)
        }
        for (i, byte) in bytes.enumerated() where byte == 13 {
            #expect(i + 1 < bytes.count && bytes[i + 1] == 10)
        }
    }

    @Test(arguments: ["Hi\r\nBcc: evil@x", "Hi\nBcc: evil@x", "Hi\rBcc: evil@x", "Hi\r\n\r\nBcc: evil@x", "Grüße\r\nBcc: evil@x"])
    func crlfInSubjectOrNameNeverStartsAHeader(_ hostile: String) throws {
        let bytes = builder.build(to: ["bob@example.net\r\nBcc: evil@x"], subject: hostile, body: "Body", fromName: hostile, date: date)
        let mail = try ParsedMail(bytes)
        #expect(!mail.rawHeaderLines.contains { $0.lowercased().hasPrefix("bcc") })
        #expect(mail.headers.map { $0.name.lowercased() } == ["from", "to", "subject", "date", "message-id", "mime-version",
                                                              "auto-submitted", "content-type", "content-transfer-encoding"])
        #expect(mail.rawHeaderLines.allSatisfy { !$0.contains("\r") && !$0.contains("\n") })
        let subject = ParsedMail.decodeWords(try #require(mail.header("Subject")))
        #expect(!subject.contains("\r") && !subject.contains("\n"))
        #expect(subject.contains("Bcc: evil@x"))
        #expect(mail.body == "Body")
    }

    @Test func nonASCIISubjectIsEncodedAsUTF8Words() throws {
        let subject = "Grüße aus Köln – Übersicht 📎"
        let mail = try ParsedMail(builder.build(to: ["bob@example.net"], subject: subject, body: "x", fromName: "Jürgen Müller", date: date))
        let raw = try #require(mail.header("Subject"))
        #expect(raw.hasPrefix("=?UTF-8?B?"))
        #expect(ParsedMail.decodeWords(raw) == subject)
        #expect(ParsedMail.decodeWords(try #require(mail.header("From")).components(separatedBy: " <")[0]) == "Jürgen Müller")
        #expect(mail.rawHeaderLines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
    }

    @Test func longSubjectsAreFoldedIntoShortEncodedWords() throws {
        let subject = String(repeating: "Überweisungsbestätigung ", count: 12)
        let mail = try ParsedMail(builder.build(to: ["bob@example.net"], subject: subject, body: "x", date: date))
        #expect(ParsedMail.decodeWords(try #require(mail.header("Subject"))) == subject)
        let words = mail.rawHeaderLines.flatMap { $0.split(separator: " ") }.filter { $0.hasPrefix("=?") }
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 })
    }

    /// RFC 2047 §2: "each line of a header field that contains one or more encoded-words is limited to 76 characters".
    @Test func headerLinesWithEncodedWordsFitIn76Characters() throws {
        let subject = String(repeating: "Überweisungsbestätigung ", count: 12)
        let mail = try ParsedMail(builder.build(to: ["bob@example.net"], subject: subject, body: "x", date: date))
        let encodedLines = mail.rawHeaderLines.filter { $0.contains("=?UTF-8?B?") }
        #expect(encodedLines.count > 1)
        for line in encodedLines {
            #expect(line.utf8.count <= 76, "\(line.utf8.count) characters: \(line)")
        }
    }

    @Test func datesMatchAFormatterAcrossYearsLeapDaysAndWeekdays() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var samples: [TimeInterval] = [0, -1, 951_782_400, 951_868_799, 1_709_164_800, 4_107_542_399, 1_750_000_000.75, -86_400 * 365.25 * 30]
        var seed: UInt64 = 42
        for _ in 0..<2000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            samples.append(TimeInterval(Int64(seed >> 33) % 8_000_000_000 - 2_000_000_000))
        }
        for t in samples {
            let date = Date(timeIntervalSince1970: t)
            #expect(MailMessageBuilder.rfc5322Date(date) == formatter.string(from: date), "\(t)")
        }
    }

    @Test func longASCIISubjectsAreFoldedToo() throws {
        let subject = "Files from Eve Bcc: evil-b4c45e3f68@example.net fake body <sender-b4c45e3f68@example.org>"
        let mail = try ParsedMail(builder.build(to: ["bob@example.net"], subject: subject, body: "x", date: date))
        #expect(ParsedMail.decodeWords(try #require(mail.header("Subject"))) == subject)
        #expect(mail.rawHeaderLines.allSatisfy { $0.utf8.count <= 78 })
        #expect(MailMessageBuilder.headerText("Files for you") == "Files for you")
    }

    /// RFC 2047 §2: an encoded-word is at most 75 characters, and never empty, whatever the grapheme clusters.
    @Test func encodedWordsStayWithinTheLimitForLongGraphemeClusters() throws {
        let zalgo = "e" + String(repeating: "\u{0301}", count: 40) + " ok"
        let raw = MailMessageBuilder.headerText(zalgo)
        let words = raw.split(whereSeparator: \.isWhitespace)
        #expect(words.allSatisfy { $0.count <= 75 })
        #expect(!words.contains("=?UTF-8?B??="))
        #expect(ParsedMail.decodeWords(raw) == zalgo)
    }

    @Test func hostileNotificationSubjectCannotInjectHeaders() throws {
        let notifications = Notifications(builder: builder, templates: try MailTemplates(), baseURL: "https://sealdrop.test/")
        let trackingId = TrackingID.random(at: date)
        let transfer = TransferRecord(
            trackingId: trackingId, senderEmail: EmailAddress("alice@example.org")!, sender: SenderContact(name: "Eve\r\nBcc: evil@x"),
            recipients: RecipientList(to: [EmailAddress("bob@example.net")!]),
            settings: TransferSettings(expirationDate: date.addingTimeInterval(86400), passwordMode: .manual,
                                       notificationMessage: NotificationMessage(subject: "Hi\r\nBcc: evil@x", body: "Body"),
                                       sendDownloadNotifications: true, sendDownloadSummary: true, sendUploadSummary: true,
                                       showFileNames: true, showZipFileContent: false),
            state: .active, creatorTokenHash: [], clientId: "c", createdAt: date, updatedAt: date)
        let recipient = RecipientRecord(transferId: TransferID.random(), trackingId: trackingId, email: EmailAddress("bob@example.net")!, kind: .to)
        let message = notifications.recipientNotification(transfer: transfer, recipient: recipient, files: [], linkPassword: nil, now: date)
        let mail = try ParsedMail(message.message)
        #expect(!mail.rawHeaderLines.contains { $0.lowercased().hasPrefix("bcc") })
        #expect(mail.body.contains("https://sealdrop.test/download?id=\(recipient.transferId.rawValue)"))

        var unnamed = transfer
        unnamed.settings.notificationMessage.subject = ""
        let fallback = try ParsedMail(notifications.recipientNotification(transfer: unnamed, recipient: recipient, files: [], linkPassword: nil, now: date).message)
        #expect(!fallback.rawHeaderLines.contains { $0.lowercased().hasPrefix("bcc") })
    }
}
