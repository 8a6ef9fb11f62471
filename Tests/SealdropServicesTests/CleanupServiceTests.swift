import Foundation
import SealdropCore
@testable import SealdropServices
import SealdropStore
import Testing

/// `CleanupService`: crash recovery at start and the periodic expiry and abandoned-session pass.
@Suite struct CleanupServiceTests {
    @Test func recoverAfterStartRemovesTemporariesAndOrphansOnly() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let (active, _, activeFiles) = try await service.provide(by: sender)
        let open = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                   language: "en", clientIP: nil)
        let openFile = try await service.sessions.registerFile(open, by: sender, name: "x", size: 2, checksum: nil)
        try await service.upload([1, 2], open, openFile, by: sender)
        // Blobs of a tracking id the database does not know, and of a transfer that has ended.
        let orphan = TrackingID.random()
        let handle = try h.blobs.beginWrite()
        try [UInt8](repeating: 0, count: 10).withUnsafeBytes { try handle.write($0) }
        try handle.commit(trackingId: orphan, fileId: FileID.random())
        let (ended, _, endedFiles) = try await service.provide(by: sender)
        #expect(try await h.database.endTransfer(ended, state: .deletedByAdmin, mails: []))
        try FileManager.default.createDirectory(atPath: h.blobDirectory(ended), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: h.blobDirectory(ended) + "/\(endedFiles[0].rawValue).blob", contents: Data([1])))
        // A partial upload a crash left behind.
        #expect(FileManager.default.createFile(atPath: h.blobRoot + "/tmp/crashed.part", contents: Data([1, 2, 3])))

        let result = try await h.cleanup().recoverAfterStart()
        #expect(result.temporaries == 1)
        #expect(result.orphans == 2)
        #expect(try h.temporaries().isEmpty)
        #expect(!h.hasBlobs(orphan))
        #expect(!h.hasBlobs(ended))
        #expect(h.hasBlobs(open))
        #expect(try h.blobs.open(trackingId: active, fileId: activeFiles[0]).size > 0)
        let again = try await h.cleanup().recoverAfterStart()
        #expect(again.temporaries == 0)
        #expect(again.orphans == 0)
    }

    @Test func recoverAfterStartRemovesBlobsOfFilesNotRecordedAsUploaded() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let (active, _, activeFiles) = try await service.provide(by: sender)
        let session = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                      language: "en", clientIP: nil)
        let uploaded = try await service.sessions.registerFile(session, by: sender, name: "uploaded.bin", size: 2, checksum: nil)
        try await service.upload([1, 2], session, uploaded, by: sender)
        // A crash between the blob's rename and the database update: the blob is in place, the file still INITIALIZED.
        let crashed = try await service.sessions.registerFile(session, by: sender, name: "crashed.bin", size: 2, checksum: nil)
        // And a blob under the live session for a file it has no record of.
        let unknown = FileID.random()
        for fileId in [crashed, unknown] {
            let handle = try h.blobs.beginWrite()
            try [UInt8](repeating: 7, count: 10).withUnsafeBytes { try handle.write($0) }
            try handle.commit(trackingId: session, fileId: fileId)
        }
        let blob = { (fileId: FileID) in FileManager.default.fileExists(atPath: h.blobDirectory(session) + "/\(fileId.rawValue).blob") }
        #expect(blob(crashed) && blob(unknown))

        let result = try await h.cleanup().recoverAfterStart()
        #expect(!blob(crashed))
        #expect(!blob(unknown))
        #expect(blob(uploaded))
        #expect(result.unfinished == 2)
        #expect(result.orphans == 0)
        #expect(try await h.database.files(of: session).map(\.state) == [.uploaded, .initialized])
        #expect(try h.blobs.open(trackingId: active, fileId: activeFiles[0]).size > 0)
        // The crashed file uploads again as usual.
        try await service.upload([3, 4], session, crashed, by: sender)
        let again = try await h.cleanup().recoverAfterStart()
        #expect(again.unfinished == 0)
        #expect(blob(crashed))
    }

    @Test func runOnceExpiresTransfersWhoseDatePassed() async throws {
        let h = try ServiceHarness()
        let service = h.transfers()
        let sender = Sample.sender()
        let (expiring, _, _) = try await service.provide(by: sender, recipients: RecipientList(to: [Sample.bob, Sample.carol]))
        h.clock.advance(86400)
        let (later, _, _) = try await service.provide(by: sender)
        let bob = try #require(try await h.database.recipients(of: expiring).first)
        try await h.database.recordDownload(DownloadEvent(transferId: bob.transferId, fileId: FileID.random(), date: h.clock.now, method: .downloaded))

        try await h.cleanup().runOnce()
        #expect(try await h.database.transfer(expiring)?.state == .active)
        #expect(try await h.mails("download-summary").isEmpty)

        h.clock.advance(13 * 86400)
        try await h.cleanup().runOnce()
        let expired = try #require(try await h.database.transfer(expiring))
        #expect(expired.state == .deletedByExpiration)
        #expect(expired.wrappedKey == nil)
        #expect(try await h.database.files(of: expiring).map(\.state) == [.removed])
        #expect(!h.hasBlobs(expiring))
        #expect(try await h.database.transfer(later)?.state == .active)
        #expect(h.hasBlobs(later))
        let summaries = try await h.mails("download-summary")
        #expect(summaries.map(\.envelopeTo) == [[Sample.alice.address]])
        let body = try ParsedMail(summaries[0].message).body
        #expect(body.contains("bob@example.net: 1 download(s)"))
        #expect(body.contains("carol@example.com: not retrieved"))

        try await h.cleanup().runOnce()
        #expect(try await h.mails("download-summary").count == 1)
    }

    @Test func runOnceDeletesAbandonedSessions() async throws {
        let h = try ServiceHarness { $0.cleanup.abandonedSessionHours = 24 }
        let service = h.transfers()
        let sender = Sample.sender()
        let stale = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                    language: "en", clientIP: nil)
        let file = try await service.sessions.registerFile(stale, by: sender, name: "x", size: 1, checksum: nil)
        try await service.upload([1], stale, file, by: sender)
        h.clock.advance(12 * 3600)
        let touched = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                      language: "en", clientIP: nil)
        h.clock.advance(12 * 3600)
        try await h.cleanup().runOnce()
        #expect(try await h.database.transfer(stale) != nil)

        h.clock.advance(1)
        try await h.cleanup().runOnce()
        #expect(try await h.database.transfer(stale) == nil)
        #expect(try await h.database.files(of: stale).isEmpty)
        #expect(!h.hasBlobs(stale))
        #expect(try await h.database.transfer(touched)?.state == .open)
    }

    @Test func runOnceDeletesExpiredVerifications() async throws {
        let h = try ServiceHarness {
            $0.verification.idleValidityDays = 2
            $0.verification.maxValidityDays = 30
            $0.verification.registeredClientIds = ["client-0001": "test"]
        }
        let verification = h.verification()
        let grant = try await verification.redeem(email: Sample.alice, clientId: "client-0001", code: nil).token
        h.clock.advance(2 * 86400)
        try await h.cleanup().runOnce()
        #expect(try await h.database.verification(tokenHash: VerifiedSender.hash(token: grant)) != nil)
        h.clock.advance(1)
        try await h.cleanup().runOnce()
        #expect(try await h.database.verification(tokenHash: VerifiedSender.hash(token: grant)) == nil)
    }

    @Test func sessionWithRecentUploadsIsNotAbandoned() async throws {
        let h = try ServiceHarness { $0.cleanup.abandonedSessionHours = 24 }
        let service = h.transfers()
        let sender = Sample.sender()
        let session = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                      language: "en", clientIP: nil)
        // The sender keeps working on the session: a file registered and uploaded an hour before the check.
        h.clock.advance(23 * 3600)
        let file = try await service.sessions.registerFile(session, by: sender, name: "late.bin", size: 1, checksum: nil)
        try await service.upload([1], session, file, by: sender)
        h.clock.advance(3600 + 1)
        try await h.cleanup().runOnce()
        #expect(try await h.database.transfer(session)?.state == .open)
        #expect(h.hasBlobs(session))
    }
}
