import Crypto
import Foundation
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import SealdropStore
import Testing

/// Issue 11 H1: what a copy of a running server's data dir gives away.
///
/// The review copied a live data dir and found a sent transfer's pre-finalize key (sealed under `server.key`,
/// which was in the copy) in the WAL, a mode-NONE link with its password and verification codes in outbox rows
/// "dropped" by an UPDATE. These tests make the same copy and look at every byte of every file in it.
@Suite struct DataDirCopyTests {
    static let client = "client-0001"

    /// The transfer key of an open session is sealed for the creator's token, never for the server key.
    @Test func sessionKeyOpensWithTheCreatorsTokenOnly() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        let sealed = try #require(try await h.database.transfer(trackingId)?.sessionSealedKey)
        #expect(sender.openTransferKey(sealed, trackingId: trackingId) != nil)
        #expect(Sample.sender(token: "another-token").openTransferKey(sealed, trackingId: trackingId) == nil)
        #expect(throws: ServerKeyError.authenticationFailed) { try h.serverKey.openLegacyTransferKey(sealed, context: trackingId.rawValue) }
    }

    /// A session opened before the upgrade (its key sealed with the server key) goes on working, and from its first
    /// use on its key is sealed for the token: the server key stops opening it.
    @Test func legacySessionKeyIsResealedForTheToken() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
        var record = try #require(try await h.database.transfer(trackingId))
        let original = try #require(record.sessionSealedKey)
        let tk = try #require(sender.openTransferKey(original, trackingId: trackingId))
        record.sessionSealedKey = try h.serverKey.sealLegacyTransferKey(tk, context: trackingId.rawValue)
        #expect(try await h.database.updateSession(record))

        let content = Sample.plaintext(70_000)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "a.bin", size: Int64(content.count), checksum: nil)
        try await service.upload(content, trackingId, fileId, by: sender)
        let resealed = try #require(try await h.database.transfer(trackingId)?.sessionSealedKey)
        #expect(sender.openTransferKey(resealed, trackingId: trackingId) == tk)
        #expect(throws: ServerKeyError.authenticationFailed) { try h.serverKey.openLegacyTransferKey(resealed, context: trackingId.rawValue) }
        try await service.finalizing.finalize(trackingId, by: sender)
        #expect(try await h.database.transfer(trackingId)?.state == .active)
    }

    /// The attack itself: finalize a mode-NONE transfer and request verification codes, copy the live data dir
    /// (mail still queued, then again after delivery) and search every file of each copy.
    @Test func copyOfALiveDataDirHoldsNoKeyPasswordOrCode() async throws {
        let h = try ServiceHarness(onDisk: true)
        #expect(try await h.database.secureDeleteSetting() == 1)
        let verification = h.verification()
        for i in 0..<5 {
            try await verification.requestCode(email: EmailAddress("user\(i)@example.org")!, clientId: Self.client, clientIP: "192.0.2.\(i + 1)", language: "en")
        }
        let service = h.transfers()
        let sender = Sample.sender()
        let trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(name: "Alice", phone: ""),
                                                         recipients: RecipientList(to: [Sample.bob]), language: "en", clientIP: nil)
        var patch = SessionPatch()
        patch.passwordMode = PasswordMode.none
        let password = try #require(try await service.sessions.patch(trackingId, by: sender, with: patch).password)
        let content = Sample.plaintext(150_000)
        let fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "contract.pdf", size: Int64(content.count), checksum: nil)
        try await service.upload(content, trackingId, fileId, by: sender)
        let sealedKey = try #require(try await h.database.transfer(trackingId)?.sessionSealedKey)
        let tk = try #require(sender.openTransferKey(sealedKey, trackingId: trackingId))
        try await service.finalizing.finalize(trackingId, by: sender)

        // The plaintext of every queued mail, as the relay will get it: codes, the NONE link and its password.
        let queued = try await h.mails()
        #expect(queued.count == 7)
        let codes = try queued.filter { $0.kind == "verification-code" }.map { mail in
            String(try #require(try ParsedMail(mail.message).body.firstMatch(of: /\ {4}([A-Z0-9]{10})\b/)).1)
        }
        #expect(codes.count == 5)
        let notification = try #require(queued.first { $0.kind == "recipient-notification" })
        #expect(try ParsedMail(notification.message).body.contains("password="), "the NONE link carries its password")

        var secrets: [(String, [UInt8])] = [
            ("session-sealed transfer key", sealedKey), ("transfer key", tk.rawBytes), ("NONE password", Array(password.utf8)),
        ]
        secrets += codes.map { ("verification code", Array($0.utf8)) }
        // Any stored plain copy of a mail shows up as its body text, whatever the transfer encoding.
        secrets += queued.map { ("mail body of \($0.kind)", Array($0.message.suffix(400).prefix(200))) }

        try Self.expectNoSecrets(secrets, inCopyOf: h.dataDirectory, phase: "mail queued")

        let transport = FakeMailTransport()
        #expect(try await h.outbox(transport).deliverDue() == 7)
        try Self.expectNoSecrets(secrets, inCopyOf: h.dataDirectory, phase: "mail sent")

        // The copy still serves what it should: the recipient opens the transfer with the password.
        let recipient = try #require(try await h.database.recipients(of: trackingId).first)
        let access = try await h.downloads().open(recipient.transferId, password: password)
        #expect(try h.downloads().plaintext(access, fileId) == content)
    }

    /// Copies `directory` as `cp -a` would while the database is open, and fails for each secret found in any file.
    static func expectNoSecrets(_ secrets: [(String, [UInt8])], inCopyOf directory: String, phase: String) throws {
        let copy = NSTemporaryDirectory() + "sealdrop-copy-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: directory, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let files = try #require(FileManager.default.enumerator(atPath: copy)).compactMap { $0 as? String }
        #expect(files.contains("sealdrop.sqlite"))
        for name in files {
            guard let data = FileManager.default.contents(atPath: copy + "/" + name) else { continue }
            let bytes = [UInt8](data)
            for (what, secret) in secrets where !secret.isEmpty {
                let found = contains(bytes, secret)
                #expect(!found, "\(phase): the \(what) is in \(name)")
            }
        }
    }
}
