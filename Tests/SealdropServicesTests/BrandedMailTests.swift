import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// The organisation's face in mails (product name, colours, the logo inside the mail or linked) and what the
/// recipient notification offers besides the link: who else got it, a reply to the sender, terms, imprint.
@Suite struct BrandedMailTests {
    let date = Date(timeIntervalSince1970: 1_796_000_000)
    let logo = StoredLogo(mediaType: "image/png", bytes: LogoCheckTests.png(), uploadedBy: "admin", uploadedAt: Date(timeIntervalSince1970: 1_795_000_000))
    let base = NotificationsTests()

    func branded(_ settings: SealdropSettings = SealdropSettings(), logo: StoredLogo?) throws -> Notifications {
        var brand = settings.branding
        if brand == BrandingSettings() {
            brand.productName = "Example Files"
            brand.accentColor = "#aa0011"
            brand.backgroundColor = "#fafafa"
            brand.textColor = "#111111"
        }
        var n = try base.notifications().previewing(brand, logo: logo)
        var effective = settings
        effective.branding = brand
        let fixed = effective
        n.currentSettings = { fixed }
        return n
    }

    /// The decoded body of the first part of `type` in a raw message, however deeply nested.
    static func part(_ raw: [UInt8], _ type: String) -> String? {
        let text = String(decoding: raw, as: UTF8.self)
        guard let header = text.range(of: "Content-Type: \(type)") else { return nil }
        guard let blank = text.range(of: "\r\n\r\n", range: header.upperBound..<text.endIndex) else { return nil }
        let rest = text[blank.upperBound...]
        let body = rest.prefix { $0 != "-" }.filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func outgoingMailCarriesTheLogoInsideWithNameAndColours() throws {
        let n = try branded(logo: logo)
        let t = base.transfer()
        let message = n.recipientNotification(transfer: t, recipient: base.recipient(t), files: [base.file(t, "a.pdf", 10)], linkPassword: nil, now: date)
        let raw = String(decoding: message.message, as: UTF8.self)
        #expect(raw.contains("From: Example Files <sealdrop@example.org>"))
        #expect(raw.contains("Content-Type: multipart/related;"))
        #expect(raw.contains("Content-ID: <logo@sealdrop>"))
        let html = try #require(Self.part(message.message, "text/html"))
        #expect(html.contains(#"<img src="cid:logo@sealdrop" alt="Example Files""#))
        #expect(html.contains("background:#fafafa") && html.contains("color:#111111") && html.contains("background:#aa0011"))
        #expect(!html.contains("/branding/logo") && !html.contains("data:image"), "sent mail carries the logo, it does not link or inline it in the HTML")
        let image = try #require(raw.range(of: "Content-Disposition: inline; filename=\"logo.png\"\r\n\r\n"))
        let encoded = raw[image.upperBound...].prefix { $0 != "-" }.filter { !$0.isWhitespace }
        #expect(Data(base64Encoded: String(encoded)).map([UInt8].init) == logo.bytes)
    }

    @Test func withoutALogoTheNameHeadsTheMailAndNothingIsAttached() throws {
        let n = try branded(logo: nil)
        let t = base.transfer()
        let message = n.recipientNotification(transfer: t, recipient: base.recipient(t), files: [], linkPassword: nil, now: date)
        let raw = String(decoding: message.message, as: UTF8.self)
        #expect(!raw.contains("multipart/related") && !raw.contains("Content-ID"))
        let html = try #require(Self.part(message.message, "text/html"))
        #expect(html.contains(">Example Files</td>"))
        #expect(!html.contains("<img"))
    }

    @Test func mailServedAsHTMLLinksTheLogoAndThePreviewEmbedsIt() throws {
        let n = try branded(logo: logo)
        let t = base.transfer()
        let served = n.recipientNotificationMail(transfer: t, recipient: base.recipient(t), recipients: [base.recipient(t)], files: [], linkPassword: nil)
        #expect(served.html.contains(#"src="https://sealdrop.test/branding/logo?v=1795000000""#))
        for kind in MailKind.allCases {
            for language in n.previewLanguages {
                let preview = n.preview(kind, language: language, now: date)
                #expect(preview.html.contains(#"src="data:image/png;base64,"#), "\(kind) \(language)")
                #expect(!preview.html.contains("cid:") && !preview.subject.isEmpty, "\(kind) \(language)")
            }
        }
        #expect(n.preview(.recipientNotification, language: "de", now: date).html.contains("figures/revenue.xlsx"))
    }

    @Test func recipientNotificationNamesToAndCcOffersAReplyTermsAndImprint() throws {
        var settings = SealdropSettings()
        settings.legal.termsActive = true
        let n = try branded(settings, logo: nil)
        let t = base.transfer(subject: "Q4 & more?")
        let bob = base.recipient(t), carol = base.recipient(t, "carol@example.net", kind: .cc), dave = base.recipient(t, "dave@example.net", kind: .bcc)
        let mail = n.recipientNotificationMail(transfer: t, recipient: dave, recipients: [bob, carol, dave], files: [], linkPassword: nil)
        #expect(mail.html.contains("To bob@example.net; Cc carol@example.net;"))
        #expect(!mail.html.contains("dave@example.net") && !mail.text.contains("dave@example.net"))
        #expect(mail.html.contains(#"href="mailto:alice@example.org?subject=Re%3A%20Q4%20%26%20more%3F""#))
        #expect(mail.html.contains(#"href="https://sealdrop.test/terms""#) && mail.text.contains("https://sealdrop.test/terms"))
        #expect(mail.html.contains(#"href="https://sealdrop.test/imprint""#) && mail.text.contains("Imprint: https://sealdrop.test/imprint"))
        settings.legal.termsActive = false
        settings.legal.imprint.content = ""
        let plain = try branded(settings, logo: nil).recipientNotificationMail(transfer: t, recipient: bob, recipients: [bob], files: [], linkPassword: nil)
        #expect(!plain.html.contains("/terms") && !plain.html.contains("/imprint") && !plain.text.contains("/imprint"))
        let german = try branded(settings, logo: nil).recipientNotificationMail(transfer: base.transfer(language: "de"), recipient: bob, recipients: [bob],
                                                                                  files: [], linkPassword: nil)
        #expect(german.html.contains("Dem Absender antworten") && german.html.contains("Gesendet an: An bob@example.net;"))
    }
}
