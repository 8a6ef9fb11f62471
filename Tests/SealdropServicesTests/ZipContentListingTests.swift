import Foundation
import SealdropCore
import SealdropFormats
@testable import SealdropServices
import Testing

/// `showZipFileContent`: finalize lists the entries of uploaded ZIPs from their central directory and stores the
/// listing; the recipient notification, the upload summary and the mails rendered later from stored files show it.
@Suite struct ZipContentListingTests {
    static let entryNames = ["Prüfbericht – Ä.pdf", "<script>alert(1)</script>.txt", "docs/readme.md"]

    /// A stored ZIP of `names`; the first entry is large, so the central directory lies several blob segments in.
    static func zip(_ names: [String], firstEntrySize: Int = 200_000) throws -> [UInt8] {
        var writer = ZipStreamWriter(zip64: .automatic, timeZone: TimeZone(secondsFromGMT: 0)!)
        var out: [UInt8] = []
        for (index, name) in names.enumerated() {
            let bytes = index == 0 ? Sample.plaintext(firstEntrySize) : Array("entry \(index)".utf8)
            out += writer.beginEntry(name: name, size: UInt64(bytes.count), modified: Date(timeIntervalSince1970: 1_716_361_031))
            writer.entryData(bytes)
            out += bytes
            out += try writer.endEntry()
        }
        return out + writer.finish()
    }

    /// Provides `files` with the two settings and returns the transfer's id.
    func provide(_ h: ServiceHarness, files: [(name: String, bytes: [UInt8])], showFileNames: Bool = true, showZipFileContent: Bool = true)
        async throws -> TrackingID {
        try await h.transfers().provide(by: Sample.sender(), files: files) {
            $0.showFileNames = showFileNames
            $0.showZipFileContent = showZipFileContent
            $0.sendUploadSummary = true
        }.trackingId
    }

    func onlyMail(_ h: ServiceHarness, _ kind: String) async throws -> ParsedMail {
        let mails = try await h.mails(kind)
        try #require(mails.count == 1)
        return try ParsedMail(mails[0].message)
    }

    @Test func theRecipientNotificationListsTheEntriesUnderTheZip() async throws {
        let h = try ServiceHarness()
        let trackingId = try await provide(h, files: [("report.txt", Sample.plaintext(500)), ("Anlagen.zip", try Self.zip(Self.entryNames))])

        let stored = try await h.database.files(of: trackingId)
        #expect(stored.map(\.zipListing) == [nil, ZipListing(names: Self.entryNames, more: 0)])

        for kind in ["recipient-notification", "upload-summary"] {
            let mail = try await onlyMail(h, kind)
            // Text: one name a line, indented under the ZIP's own line.
            let lines = mail.body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
            let zipLine = try #require(lines.firstIndex { $0.hasPrefix("  - Anlagen.zip") })
            #expect(Array(lines[(zipLine + 1)...(zipLine + 3)]) == Self.entryNames.map { "      " + $0 })
            #expect(!lines.contains { $0.contains("readme.md") && $0.hasPrefix("  - ") })
            // HTML: names escaped inside a nested list.
            let html = try #require(mail.html)
            #expect(html.contains("<li>Prüfbericht – Ä.pdf</li>"))
            #expect(html.contains("<li>&lt;script&gt;alert(1)&lt;/script&gt;.txt</li>"))
            #expect(!html.contains("<script>"))
        }

        // Rendered later from the stored files (the REST mail endpoints), without the key.
        let transfer = try #require(try await h.database.transfer(trackingId))
        let recipient = try #require(try await h.database.recipients(of: trackingId).first)
        let later = h.notifications.recipientNotificationMail(transfer: transfer, recipient: recipient, recipients: [recipient], files: stored, linkPassword: nil)
        #expect(later.text.contains("      docs/readme.md"))
        #expect(h.notifications.sentCopyMail(transfer: transfer, recipients: [recipient], files: stored).html.contains("<li>docs/readme.md</li>"))
    }

    @Test(arguments: [(true, false), (false, true), (false, false)])
    func withoutBothSettingsNothingIsListedOrStored(_ showFileNames: Bool, _ showZipFileContent: Bool) async throws {
        let h = try ServiceHarness()
        let trackingId = try await provide(h, files: [("Anlagen.zip", try Self.zip(Self.entryNames))],
                                           showFileNames: showFileNames, showZipFileContent: showZipFileContent)
        #expect(try await h.database.files(of: trackingId).map(\.zipListing) == [nil])
        for kind in ["recipient-notification", "upload-summary"] {
            let mail = try await onlyMail(h, kind)
            #expect(!mail.body.contains("readme.md"))
            #expect(!(try #require(mail.html)).contains("readme.md"))
        }
    }

    @Test func aStoredListingIsNotShownWhenTheSettingsSayNo() throws {
        // Defence in depth: rendering checks the settings too, not only finalize.
        let h = try ServiceHarness()
        var transfer = NotificationsFixture.transfer()
        transfer.settings.showZipFileContent = false
        var file = FileRecord(trackingId: transfer.trackingId, fileId: FileID.random(), fileName: "a.zip", size: 10, declaredChecksum: nil,
                              state: .active, createdAt: transfer.createdAt)
        file.zipListing = ZipListing(names: ["inner-secret.txt"], more: 0)
        let recipient = RecipientRecord(transferId: TransferID.random(), trackingId: transfer.trackingId, email: Sample.bob, kind: .to)
        #expect(!h.notifications.recipientNotificationMail(transfer: transfer, recipient: recipient, recipients: [recipient], files: [file], linkPassword: nil)
            .text.contains("inner-secret"))
        transfer.settings.showZipFileContent = true
        #expect(h.notifications.recipientNotificationMail(transfer: transfer, recipient: recipient, recipients: [recipient], files: [file], linkPassword: nil)
            .text.contains("      inner-secret.txt"))
    }

    @Test func moreThanTwoHundredEntriesEndInACount() async throws {
        let h = try ServiceHarness()
        let names = (1...250).map { "file-\($0).txt" }
        let trackingId = try await provide(h, files: [("many.zip", try Self.zip(names, firstEntrySize: 10))])
        #expect(try await h.database.files(of: trackingId).first?.zipListing == ZipListing(names: Array(names.prefix(200)), more: 50))
        let mail = try await onlyMail(h, "recipient-notification")
        #expect(mail.body.contains("      file-200.txt"))
        #expect(!mail.body.contains("file-201.txt"))
        #expect(mail.body.contains("      … and 50 more"))
        #expect(try #require(mail.html).contains("<li>… and 50 more</li>"))
    }

    @Test func brokenOrFakeZipsFinalizeWithoutAListing() async throws {
        let h = try ServiceHarness()
        let real = try Self.zip(Self.entryNames)
        let trackingId = try await provide(h, files: [
            ("not-really.zip", Sample.plaintext(100_000)),
            ("truncated.zip", Array(real.dropLast(30))),
            ("empty.zip", []),
            ("lying.zip", Self.claimingHugeDirectory(real)),
            ("renamed.bin", real),
        ])
        #expect(try await h.database.files(of: trackingId).map(\.zipListing) == [nil, nil, nil, nil, nil])
        let mail = try await onlyMail(h, "recipient-notification")
        #expect(mail.body.contains("  - truncated.zip"))
        #expect(!mail.body.contains("readme.md"))
    }

    /// `archive` with its end record claiming a 3 GiB central directory.
    static func claimingHugeDirectory(_ archive: [UInt8]) -> [UInt8] {
        var bytes = archive
        let end = bytes.count - 22
        bytes[end + 12] = 0
        bytes[end + 13] = 0
        bytes[end + 14] = 0
        bytes[end + 15] = 0xC0
        return bytes
    }
}

/// A transfer for rendering checks, with both ZIP settings on.
enum NotificationsFixture {
    static func transfer() -> TransferRecord {
        let date = Date(timeIntervalSince1970: 1_750_000_000)
        return TransferRecord(
            trackingId: TrackingID.random(at: date), senderEmail: Sample.alice, sender: SenderContact(name: "Alice", phone: ""),
            recipients: RecipientList(to: [Sample.bob]),
            settings: TransferSettings(expirationDate: date.addingTimeInterval(86400), passwordMode: .manual,
                                       notificationMessage: NotificationMessage(subject: "", body: ""), senderLanguage: "en", recipientLanguage: "en",
                                       sendDownloadNotifications: false, sendDownloadSummary: false, sendUploadSummary: false,
                                       showFileNames: true, showZipFileContent: true),
            state: .active, creatorTokenHash: [], clientId: "c", createdAt: date, updatedAt: date)
    }
}
