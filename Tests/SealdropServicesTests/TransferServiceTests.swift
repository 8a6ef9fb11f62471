import Crypto
import Foundation
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import SealdropStore
import Testing

/// The transfer services (`TransferSessionService`, `UploadService`, `FinalizeService`, `SentTransferService`) and
/// `FileUpload`: the session life cycle, encrypted uploads, finalize, mail and revocation.
@Suite struct TransferServiceTests {
    @Test func sessionLifeCycle() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(name: "Alice", phone: "123"),
                                                         recipients: RecipientList(to: [Sample.bob], cc: [Sample.carol]), language: "en", clientIP: "192.0.2.7")
        #expect(trackingId.date == Date(timeIntervalSince1970: h.clock.now.timeIntervalSince1970.rounded(.down)))
        var view = try await service.sessions.session(trackingId, by: sender)
        #expect(view.transfer.state == .open)
        #expect(view.transfer.settings.passwordMode == .generated)
        #expect(view.transfer.settings.expirationDate == h.clock.now.addingTimeInterval(14 * 86400))
        #expect(view.transfer.sessionSealedKey != nil)
        #expect(view.transfer.wrappedKey == nil)
        #expect(view.transfer.senderIP == "192.0.2.7")
        #expect(view.files.isEmpty)
        let generated = try #require(view.password)
        #expect(SealdropSettings().password.validate(generated).isEmpty)

        // Only the creating token may use the session.
        await #expect(throws: SealdropError.differentToken) { _ = try await service.sessions.session(trackingId, by: Sample.sender()) }

        var patch = SessionPatch()
        patch.expirationDate = h.clock.now.addingTimeInterval(3 * 86400)
        patch.notificationMessage = NotificationMessage(subject: "Contract", body: "Please sign.")
        h.clock.advance(10)
        view = try await service.sessions.patch(trackingId, by: sender, with: patch)
        #expect(view.transfer.settings.expirationDate == h.clock.now.addingTimeInterval(3 * 86400 - 10))
        #expect(view.password == generated)

        let first = try await service.sessions.registerFile(trackingId, by: sender, name: "a.txt", size: 5, checksum: nil)
        let second = try await service.sessions.registerFile(trackingId, by: sender, name: "b.txt", size: 0, checksum: nil)
        await #expect(throws: SealdropError.self) { _ = try await service.sessions.registerFile(trackingId, by: sender, name: "a.txt", size: 1, checksum: nil) }
        await #expect(throws: SealdropError.self) { try await service.finalizing.finalize(trackingId, by: sender) }
        try await service.upload(Array("hello".utf8), trackingId, first, by: sender)
        try await service.upload([], trackingId, second, by: sender)
        view = try await service.sessions.session(trackingId, by: sender)
        #expect(view.files.map(\.fileId) == [first, second])
        #expect(view.files.map(\.state) == [.uploaded, .uploaded])

        try await service.finalizing.finalize(trackingId, by: sender)
        await #expect(throws: SealdropError.notFound("The transfer session")) { _ = try await service.sessions.session(trackingId, by: sender) }
        await #expect(throws: SealdropError.self) { try await service.finalizing.finalize(trackingId, by: sender) }
        let details = try await service.sent.transferDetails(trackingId, by: sender)
        #expect(details.transfer.state == .active)
        #expect(details.files.map(\.state) == [.active, .active])
        #expect(details.recipients.map(\.email) == [Sample.bob, Sample.carol])
        #expect(details.isCreatorToken)
        #expect(try await service.sent.sentTransfers(by: sender, active: true, page: 1, pageSize: 10).map(\.transfer.trackingId) == [trackingId])
        let received = try await service.sent.receivedTransfers(by: Sample.sender(Sample.carol), active: nil, page: 1, pageSize: 10)
        #expect(received.map(\.transfer.trackingId) == [trackingId])
        #expect(received.first?.recipients.map(\.email) == [Sample.carol])
    }

    @Test func deletingASessionRemovesRecordAndBlobs() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "x.bin", size: 3, checksum: nil)
        try await service.upload([1, 2, 3], trackingId, fileId, by: sender)
        #expect(h.hasBlobs(trackingId))
        try await service.sessions.deleteSession(trackingId, by: sender)
        #expect(try await h.database.transfer(trackingId) == nil)
        #expect(!h.hasBlobs(trackingId))
    }

    @Test func uploadStoresOnlyCiphertextAndTheChecksum() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let plaintext = Sample.plaintext(150_000)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "secret.txt", size: Int64(plaintext.count),
                                                    checksum: Sample.sha256Hex(plaintext).uppercased())
        try await service.upload(plaintext, trackingId, fileId, by: sender, chunk: 4096)

        let blobPath = h.blobDirectory(trackingId) + "/\(fileId.rawValue).blob"
        let blob = try [UInt8](Data(contentsOf: URL(fileURLWithPath: blobPath)))
        let segments = (plaintext.count + ServiceHarness.segmentSize - 1) / ServiceHarness.segmentSize
        #expect(blob.count == BlobFormat.headerSize + plaintext.count + segments * BlobFormat.tagSize)
        #expect(Array(blob.prefix(4)) == BlobFormat.magic)
        #expect(!contains(blob, Array("SEALDROP-PLAINTEXT-".utf8)))
        #expect(!contains(blob, Array(plaintext[70_000..<70_016])))
        #expect(try h.temporaries().isEmpty)

        let file = try #require(try await h.database.files(of: trackingId).first)
        #expect(file.state == .uploaded)
        #expect(file.checksum == Sample.sha256Hex(plaintext))
        #expect(file.uploadedAt == h.clock.now)
    }

    @Test func tooManyBytesDiscardTheUpload() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "x.bin", size: 10, checksum: nil)
        let upload = try await service.uploads.beginUpload(trackingId, fileId: fileId, by: sender)
        try Array(repeating: UInt8(1), count: 6).withUnsafeBytes { try upload.write($0) }
        let error = #expect(throws: SealdropError.self) {
            try Array(repeating: UInt8(2), count: 5).withUnsafeBytes { try upload.write($0) }
        }
        #expect(error?.code == .malformedParameter)
        await #expect(throws: SealdropError.self) { try await upload.finish() }
        #expect(try h.temporaries().isEmpty)
        #expect(!h.hasBlobs(trackingId))
        let file = try #require(try await h.database.files(of: trackingId).first)
        #expect(file.state == .initialized)
        #expect(file.checksum == nil)
    }

    @Test func tooFewBytesLeaveTheFileInitialized() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "x.bin", size: 10, checksum: nil)
        let upload = try await service.uploads.beginUpload(trackingId, fileId: fileId, by: sender)
        try Array(repeating: UInt8(1), count: 9).withUnsafeBytes { try upload.write($0) }
        let error = await #expect(throws: SealdropError.self) { try await upload.finish() }
        #expect(error?.code == .malformedParameter)
        #expect(upload.receivedBytes == 9)
        #expect(try h.temporaries().isEmpty)
        #expect(!h.hasBlobs(trackingId))
        #expect(try await h.database.files(of: trackingId).first?.state == .initialized)
        await #expect(throws: SealdropError.self) { try await service.finalizing.finalize(trackingId, by: sender) }
        // A second, complete attempt succeeds.
        try await service.upload(Array(repeating: 1, count: 10), trackingId, fileId, by: sender)
        #expect(try await h.database.files(of: trackingId).first?.state == .uploaded)
    }

    @Test func checksumMismatchCommitsNothing() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "x.bin", size: 4, checksum: Sample.sha256Hex([9, 9, 9, 9]))
        await #expect(throws: SealdropError.self) { try await service.upload([1, 2, 3, 4], trackingId, fileId, by: sender) }
        #expect(try h.temporaries().isEmpty)
        #expect(!h.hasBlobs(trackingId))
        #expect(try await h.database.files(of: trackingId).first?.state == .initialized)
    }

    @Test(arguments: [PasswordMode.manual, .generated, .none])
    func finalizeWrapsTheKeyWithThePassword(mode: PasswordMode) async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let (trackingId, password, _) = try await service.provide(by: sender, mode: mode)
        let record = try #require(try await h.database.transfer(trackingId))
        #expect(record.state == .active)
        #expect(record.sessionSealedKey == nil)
        #expect(record.finalizedAt == h.clock.now)
        let wrapped = try WrappedKey(serialized: try #require(record.wrappedKey))
        #expect(wrapped.parameters == .fast)
        _ = try PasswordKeyWrap.unwrap(wrapped, password: password, context: trackingId.rawValue)
        #expect(throws: PasswordKeyWrapError.wrongPassword) { _ = try PasswordKeyWrap.unwrap(wrapped, password: password + "x", context: trackingId.rawValue) }
        if mode == .none {
            #expect(record.sealedPassword != nil)
            #expect(try await service.sent.transferDetails(trackingId, by: sender).linkPassword == password)
        } else {
            #expect(record.sealedPassword == nil)
            #expect(try await service.sent.transferDetails(trackingId, by: sender).linkPassword == nil)
        }
    }

    @Test func finalizeCreatesRecipientsAndQueuesTheirMail() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let (trackingId, _, _) = try await service.provide(by: sender, recipients: RecipientList(to: [Sample.bob], cc: [Sample.carol], bcc: [Sample.dave]))
        let recipients = try await h.database.recipients(of: trackingId)
        #expect(recipients.map(\.email) == [Sample.bob, Sample.carol, Sample.dave])
        #expect(recipients.map(\.kind) == [.to, .cc, .bcc])
        #expect(Set(recipients.map(\.transferId)).count == 3)
        #expect(recipients.allSatisfy { $0.transferId.rawValue.count == 10 && $0.transferId.rawValue.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })

        let notifications = try await h.mails("recipient-notification")
        #expect(notifications.map(\.envelopeTo) == recipients.map { [$0.email.address] })
        #expect(notifications.allSatisfy { $0.trackingId == trackingId.rawValue })
        for (mail, recipient) in zip(notifications, recipients) {
            let body = try ParsedMail(mail.message).body
            #expect(body.contains("https://sealdrop.test/download?id=\(recipient.transferId.rawValue)"))
        }
        let summaries = try await h.mails("upload-summary")
        #expect(summaries.map(\.envelopeTo) == [[Sample.alice.address]])
        #expect(try await h.mails().count == 4)
    }

    @Test func onlyModeNoneLinksCarryThePassword() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let (noneId, nonePassword, _) = try await service.provide(by: Sample.sender(), mode: .none)
        let (manualId, _, _) = try await service.provide(by: Sample.sender(), mode: .manual)
        let mails = try await h.mails("recipient-notification")
        let none = try ParsedMail(try #require(mails.first { $0.trackingId == noneId.rawValue }).message).body
        let manual = try ParsedMail(try #require(mails.first { $0.trackingId == manualId.rawValue }).message).body
        #expect(none.contains("password="))
        let encoded = try #require(nonePassword.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))))
        #expect(none.contains("password=" + encoded))
        #expect(!manual.contains("password="))
        #expect(!manual.contains(Sample.manualPassword))
    }

    @Test(arguments: [false, true])
    func generatedPasswordReachesTheUploadSummaryOnlyWhenConfigured(_ configured: Bool) async throws {
        let h = try ServiceHarness { $0.policy.generatedPasswordInUploadSummary = configured }
        let service = h.transfers()
        let (generatedId, generated, _) = try await service.provide(by: Sample.sender(), mode: .generated)
        let (manualId, _, _) = try await service.provide(by: Sample.sender(), mode: .manual)
        let summaries = try await h.mails("upload-summary")
        let generatedSummary = try ParsedMail(try #require(summaries.first { $0.trackingId == generatedId.rawValue }).message)
        let manualSummary = try ParsedMail(try #require(summaries.first { $0.trackingId == manualId.rawValue }).message)
        #expect(generatedSummary.body.contains("Password: \(generated)") == configured)
        #expect(try #require(generatedSummary.html).contains(generated) == configured)
        // A password the sender chose is never mailed back.
        #expect(!manualSummary.body.contains(Sample.manualPassword) && !manualSummary.body.contains("Password:"))
        // Recipients never get it, in either mode.
        for mail in try await h.mails("recipient-notification") {
            #expect(!(try ParsedMail(mail.message).body.contains(generated)))
        }
    }

    @Test func revokeRemovesBlobsAndQueuesRevocationMail() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let (trackingId, _, _) = try await service.provide(by: sender, recipients: RecipientList(to: [Sample.bob, Sample.carol]))
        #expect(h.hasBlobs(trackingId))
        let details = try await service.sent.revoke(trackingId, by: sender, options: RevocationOptions(message: "Sent by mistake"))
        #expect(details.transfer.state == .deletedByRevocation)
        #expect(details.transfer.wrappedKey == nil)
        #expect(details.files.map(\.state) == [.removed])
        #expect(!h.hasBlobs(trackingId))
        let revocations = try await h.mails("revocation")
        #expect(Set(revocations.map(\.envelopeTo)) == [[Sample.bob.address], [Sample.carol.address], [Sample.alice.address]])
        #expect(try revocations.allSatisfy { try ParsedMail($0.message).body.contains("Sent by mistake") })
        await #expect(throws: SealdropError.self) { _ = try await service.sent.revoke(trackingId, by: sender, options: RevocationOptions()) }
        #expect(try await h.mails("revocation").count == 3)
    }

    @Test func revokeByAnotherAddressIsNotFound() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let (trackingId, _, _) = try await service.provide(by: Sample.sender())
        await #expect(throws: SealdropError.notFound("The transfer")) {
            _ = try await service.sent.revoke(trackingId, by: Sample.sender(Sample.bob), options: RevocationOptions())
        }
        #expect(h.hasBlobs(trackingId))
    }

    /// What a sender types is stored clean: contact and subject on one line, file names without control
    /// or direction-formatting characters (an override would show `invoice\u{202E}fdp.exe` as `invoiceexe.pdf`).
    @Test func senderTextAndFileNamesAreCleanedAtInput() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(name: "Alice\r\nBcc: mallory@example.com", phone: "+49\u{2028}30"),
                                                         recipients: RecipientList(to: [Sample.bob]), language: "en", clientIP: nil)
        var patch = SessionPatch()
        patch.notificationMessage = NotificationMessage(subject: "Invoice\r\nX-Injected: yes\u{202E}", body: "Line one\nLine two")
        patch.sender = SenderContact(name: "Alice\u{202E}ecilA\nExample", phone: "+49\t30")
        let view = try await service.sessions.patch(trackingId, by: sender, with: patch)
        #expect(view.transfer.sender == SenderContact(name: "AliceecilA Example", phone: "+49 30"))
        #expect(view.transfer.settings.notificationMessage == NotificationMessage(subject: "Invoice X-Injected: yes", body: "Line one\nLine two"))

        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "invoice\u{202E}fdp.exe", size: 1, checksum: nil)
        let stored = try #require(try await service.sessions.session(trackingId, by: sender).files.first { $0.fileId == fileId })
        #expect(stored.fileName == "invoicefdp.exe")
        await #expect(throws: SealdropError.self) {
            _ = try await service.sessions.registerFile(trackingId, by: sender, name: "\u{202E}\u{2066}", size: 1, checksum: nil)
        }
        let created = try await service.sessions.createSession(by: sender, contact: SenderContact(name: "Bob\r\nX: y", phone: ""),
                                                      recipients: RecipientList(to: [Sample.bob]), language: "en", clientIP: nil)
        #expect(try await service.sessions.session(created, by: sender).transfer.sender.name == "Bob X: y")
    }
}
