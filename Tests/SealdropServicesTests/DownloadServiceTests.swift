import Dispatch
import Foundation
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import SealdropStore
import Testing

/// `DownloadService`: password check, decryption of whole files and ranges, download protection, download records.
@Suite struct DownloadServiceTests {
    /// A finalized MANUAL transfer of `content` to Bob and Carol.
    func provide(_ h: ServiceHarness, content: [UInt8] = Sample.plaintext(200_000), extraFile: Bool = false)
        async throws -> (trackingId: TrackingID, fileIds: [FileID], bob: TransferID, carol: TransferID) {
        var files: [(name: String, bytes: [UInt8])] = [("big.txt", content)]
        if extraFile { files.append(("small.txt", Array("tiny".utf8))) }
        let (trackingId, _, fileIds) = try await h.transfers().provide(by: Sample.sender(), recipients: RecipientList(to: [Sample.bob, Sample.carol]),
                                                                        mode: .manual, files: files)
        let recipients = try await h.database.recipients(of: trackingId)
        return (trackingId, fileIds, recipients[0].transferId, recipients[1].transferId)
    }

    @Test func rightPasswordDecryptsWholeFilesAndRanges() async throws {
        let h = try ServiceHarness()
        let content = Sample.plaintext(200_000)
        let t = try await provide(h, content: content, extraFile: true)
        let service = h.downloads()
        let access = try await service.open(t.bob, password: Sample.manualPassword)
        #expect(access.transfer.trackingId == t.trackingId)
        #expect(access.recipient.email == Sample.bob)
        #expect(access.files.map(\.fileId) == t.fileIds)
        let reader = try service.reader(access, fileId: t.fileIds[0])
        #expect(reader.size == 200_000)
        #expect(try service.plaintext(access, t.fileIds[0]) == content)
        #expect(try service.plaintext(access, t.fileIds[1]) == Array("tiny".utf8))
        for range: Range<Int64> in [0..<1, 65_530..<65_540, 60_000..<140_000, 199_990..<200_000, 131_072..<131_073, 10..<10] {
            #expect(try service.plaintext(access, t.fileIds[0], range: range) == Array(content[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
        #expect(throws: SealdropError.self) { _ = try service.reader(access, fileId: FileID.random()) }
    }

    @Test func missingOrWrongPasswordIsRefused() async throws {
        let h = try ServiceHarness()
        let t = try await provide(h)
        let service = h.downloads()
        await #expect(throws: SealdropError.missing("X-CS-Password")) { _ = try await service.open(t.bob, password: nil) }
        #expect(try await h.database.recipient(t.bob)?.failedAttempts == 0)
        await #expect(throws: SealdropError.wrongPassword) { _ = try await service.open(t.bob, password: "Wrong-Password-1") }
        await #expect(throws: SealdropError.wrongPassword) { _ = try await service.open(t.bob, password: "Wrong-Password-2") }
        #expect(try await h.database.recipient(t.bob)?.failedAttempts == 2)
        #expect(try await h.database.recipient(t.carol)?.failedAttempts == 0)
        // The right password clears the count.
        _ = try await service.open(t.bob, password: Sample.manualPassword)
        #expect(try await h.database.recipient(t.bob)?.failedAttempts == 0)
        await #expect(throws: SealdropError.notFound("The transfer")) { _ = try await service.open(TransferID.random(), password: Sample.manualPassword) }
    }

    @Test func tooManyWrongPasswordsLockTheRecipient() async throws {
        let h = try ServiceHarness {
            $0.downloadProtection.maxAttempts = 3
            $0.downloadProtection.action = .lock
            $0.downloadProtection.lockMinutes = 30
            $0.downloadProtection.adminEmails = ["security@example.org"]
        }
        let t = try await provide(h)
        let service = h.downloads()
        for _ in 1...2 {
            await #expect(throws: SealdropError.wrongPassword) { _ = try await service.open(t.bob, password: "nope") }
        }
        let error = await #expect(throws: SealdropError.self) { _ = try await service.open(t.bob, password: "nope") }
        #expect(error == .locked)
        #expect(error?.status == 403)
        #expect(error?.code.rawValue == 2005)
        let locked = try #require(try await h.database.recipient(t.bob))
        #expect(locked.lockedUntil == h.clock.now.addingTimeInterval(30 * 60))
        // Locked even for the right password; other recipients are not affected.
        await #expect(throws: SealdropError.locked) { _ = try await service.open(t.bob, password: Sample.manualPassword) }
        _ = try await service.open(t.carol, password: Sample.manualPassword)
        let alerts = try await h.mails("download-protection")
        #expect(Set(alerts.map(\.envelopeTo)) == [[Sample.alice.address], ["security@example.org"]])
        #expect(try await h.database.transfer(t.trackingId)?.state == .active)

        h.clock.advance(30 * 60)
        let access = try await service.open(t.bob, password: Sample.manualPassword)
        #expect(try service.plaintext(access, t.fileIds[0]).count == 200_000)
    }

    @Test func deletionModeDeletesTheTransfer() async throws {
        let h = try ServiceHarness {
            $0.downloadProtection.maxAttempts = 2
            $0.downloadProtection.action = .delete
        }
        let t = try await provide(h)
        let service = h.downloads()
        #expect(h.hasBlobs(t.trackingId))
        await #expect(throws: SealdropError.wrongPassword) { _ = try await service.open(t.bob, password: "nope") }
        let error = await #expect(throws: SealdropError.self) { _ = try await service.open(t.bob, password: "nope") }
        #expect(error == .deletedByThisRequest)
        #expect(error?.status == 410)
        #expect(error?.code.rawValue == 2006)
        let transfer = try #require(try await h.database.transfer(t.trackingId))
        #expect(transfer.state == .deletedBySecurity)
        #expect(transfer.wrappedKey == nil)
        #expect(!h.hasBlobs(t.trackingId))
        #expect(try await h.database.files(of: t.trackingId).map(\.state) == [.removed])
        #expect(try await h.mails("download-protection").map(\.envelopeTo) == [[Sample.alice.address]])
        await #expect(throws: SealdropError.notFound("The transfer")) { _ = try await service.open(t.carol, password: Sample.manualPassword) }
    }

    /// How one `open` ended.
    enum Outcome: Equatable, Sendable {
        case opened
        case refused(SealdropError)
    }

    /// Opens `transferId` once per password, all requests having passed the first lock check before any key
    /// derivation runs; then lets the derivations through one at a time, each request finishing before the next
    /// derivation starts. That is a storm of guesses queued for a KDF thread, in a fixed order.
    func queuedOpens(_ service: DownloadService, _ runner: KeyDerivationRunner, _ transferId: TransferID, passwords: [String]) async -> [Outcome] {
        enum Finished: Sendable {
            case gate
            case request(Int, Outcome)
        }
        // A gate job ahead of each request holds the runner's single thread until the test opens it.
        let gates = passwords.map { _ in DispatchSemaphore(value: 0) }
        let gatesStarted = Shared(0)
        return await withTaskGroup(of: Finished.self) { group in
            for (i, password) in passwords.enumerated() {
                group.addTask {
                    _ = try? await runner.run {
                        gatesStarted.update { $0 += 1 }
                        gates[i].wait()
                    }
                    return .gate
                }
                if i == 0 { await until { gatesStarted.current == 1 } } else { await until { runner.queuedCount == 2 * i } }
                group.addTask {
                    do {
                        _ = try await service.open(transferId, password: password)
                        return .request(i, .opened)
                    } catch {
                        return .request(i, .refused(error as? SealdropError ?? .internalError))
                    }
                }
                await until { runner.queuedCount == 2 * i + 1 }
            }
            var outcomes: [Int: Outcome] = [:]
            for i in passwords.indices {
                gates[i].signal()
                while outcomes[i] == nil, let finished = await group.next() {
                    if case .request(let j, let outcome) = finished { outcomes[j] = outcome }
                }
            }
            return passwords.indices.map { outcomes[$0] ?? .refused(.internalError) }
        }
    }

    @Test func guessesQueuedBeforeALockDoNotGetPastIt() async throws {
        let h = try ServiceHarness {
            $0.downloadProtection.maxAttempts = 3
            $0.downloadProtection.action = .lock
            $0.downloadProtection.lockMinutes = 30
            $0.downloadProtection.adminEmails = ["security@example.org"]
        }
        let t = try await provide(h)
        let runner = KeyDerivationRunner(maxConcurrent: 1)
        let service = h.downloads(kdf: runner)
        let outcomes = await queuedOpens(service, runner, t.bob, passwords: Array(repeating: "nope", count: 7) + [Sample.manualPassword])
        // The third wrong guess locks; the later ones neither count nor lock again, and the right password waits out the lock too.
        #expect(outcomes == [.refused(.wrongPassword), .refused(.wrongPassword)] + Array(repeating: .refused(.locked), count: 6))
        let bob = try #require(try await h.database.recipient(t.bob))
        #expect(bob.lockedUntil == h.clock.now.addingTimeInterval(30 * 60))
        #expect(bob.failedAttempts == 0)
        let alerts = try await h.mails("download-protection")
        #expect(alerts.count == 2)
        #expect(Set(alerts.map(\.envelopeTo)) == [[Sample.alice.address], ["security@example.org"]])

        h.clock.advance(30 * 60)
        await #expect(throws: SealdropError.wrongPassword) { _ = try await service.open(t.bob, password: "nope") }
        #expect(try await h.database.recipient(t.bob)?.failedAttempts == 1)
        _ = try await service.open(t.bob, password: Sample.manualPassword)
        #expect(try await h.mails("download-protection").count == 2)
    }

    @Test func guessesQueuedBeforeADeletionDeleteOnce() async throws {
        let h = try ServiceHarness {
            $0.downloadProtection.maxAttempts = 2
            $0.downloadProtection.action = .delete
            $0.downloadProtection.adminEmails = ["security@example.org"]
        }
        let t = try await provide(h)
        let runner = KeyDerivationRunner(maxConcurrent: 1)
        let outcomes = await queuedOpens(h.downloads(kdf: runner), runner, t.bob, passwords: Array(repeating: "nope", count: 4) + [Sample.manualPassword])
        #expect(outcomes == [.refused(.wrongPassword), .refused(.deletedByThisRequest)] + Array(repeating: .refused(.notFound("The transfer")), count: 3))
        #expect(try await h.database.transfer(t.trackingId)?.state == .deletedBySecurity)
        #expect(!h.hasBlobs(t.trackingId))
        let alerts = try await h.mails("download-protection")
        #expect(alerts.count == 2)
        #expect(Set(alerts.map(\.envelopeTo)) == [[Sample.alice.address], ["security@example.org"]])
    }

    @Test func downloadNotificationOnlyOnFirstRetrievalPerFileAndRecipient() async throws {
        let h = try ServiceHarness()
        let t = try await provide(h, extraFile: true)
        let service = h.downloads()
        let bob = try await service.open(t.bob, password: Sample.manualPassword)
        let carol = try await service.open(t.carol, password: Sample.manualPassword)
        let count = { try await h.mails("download-notification").count }

        try await service.recordDownload(bob, fileIds: [t.fileIds[0]])
        #expect(try await count() == 1)
        try await service.recordDownload(bob, fileIds: [t.fileIds[0]])
        #expect(try await count() == 1)
        try await service.recordDownload(bob, fileIds: [t.fileIds[1]], method: .viewed)
        #expect(try await count() == 2)
        try await service.recordDownload(carol, fileIds: [t.fileIds[0]])
        #expect(try await count() == 3)
        try await service.recordDownload(carol, fileIds: t.fileIds)
        #expect(try await count() == 4)
        try await service.recordDownload(carol, fileIds: t.fileIds)
        #expect(try await count() == 4)

        let downloads = try await h.database.downloads(of: t.trackingId)
        #expect(downloads.count == 8)
        #expect(downloads.filter { $0.transferId == t.bob }.map(\.method) == [.downloaded, .downloaded, .viewed])
        let mail = try #require(try await h.mails("download-notification").first)
        #expect(mail.envelopeTo == [Sample.alice.address])
        #expect(try ParsedMail(mail.message).body.contains("bob@example.net"))
    }

    /// L7: the record made before a recipient's first bytes of a file (a range, an archive) is made once
    /// per recipient and file, with one notification per call; another recipient gets its own.
    @Test func firstRetrievalIsRecordedOncePerRecipientAndFile() async throws {
        let h = try ServiceHarness()
        let t = try await provide(h, extraFile: true)
        let service = h.downloads()
        let bob = try await service.open(t.bob, password: Sample.manualPassword)
        let carol = try await service.open(t.carol, password: Sample.manualPassword)
        #expect(try await service.recordFirstRetrieval(bob, fileIds: [t.fileIds[0]]) == [t.fileIds[0]])
        #expect(try await service.recordFirstRetrieval(bob, fileIds: [t.fileIds[0]]).isEmpty)
        #expect(try await service.recordFirstRetrieval(bob, fileIds: t.fileIds) == [t.fileIds[1]])
        #expect(try await h.mails("download-notification").count == 2)
        // Several first retrievals at once (an archive) are one notification.
        #expect(try await service.recordFirstRetrieval(carol, fileIds: t.fileIds) == Set(t.fileIds))
        #expect(try await h.mails("download-notification").count == 3)
        let downloads = try await h.database.downloads(of: t.trackingId)
        #expect(downloads.filter { $0.transferId == t.bob }.map(\.fileId) == t.fileIds)
        #expect(downloads.filter { $0.transferId == t.carol }.count == 2)
    }

    @Test func noDownloadNotificationWhenTheSenderOptedOut() async throws {
        let h = try ServiceHarness { $0.policy.sendDownloadNotificationsDefault = false }
        let t = try await provide(h)
        let service = h.downloads()
        let bob = try await service.open(t.bob, password: Sample.manualPassword)
        try await service.recordDownload(bob, fileIds: t.fileIds)
        #expect(try await h.mails("download-notification").isEmpty)
        #expect(try await h.database.downloads(of: t.trackingId).count == 1)
    }

    @Test func expiredTransferCannotBeOpened() async throws {
        let h = try ServiceHarness()
        let t = try await provide(h)
        h.clock.advance(14 * 86400)
        await #expect(throws: SealdropError.notFound("The transfer")) { _ = try await h.downloads().open(t.bob, password: Sample.manualPassword) }
    }

    /// The recipient's pages may say "expired on …" or "withdrawn"; `open` (the REST API) keeps answering 404 alike.
    @Test func retrievalStateTellsExpiredAndRevokedOnly() async throws {
        let h = try ServiceHarness()
        let service = h.downloads()
        let expiring = try await provide(h)
        let expires = try #require(try await h.database.transfer(expiring.trackingId)).settings.expirationDate
        #expect(try await service.retrievalState(expiring.bob) == .available)
        #expect(try await service.retrievalState(TransferID.random()) == .unavailable)

        h.clock.advance(expires.timeIntervalSince(h.clock.now) + 1)
        // Past the date, before and after the clean-up removed the files: expired, with the date.
        #expect(try await service.retrievalState(expiring.bob) == .expired(on: expires))
        await #expect(throws: SealdropError.notFound("The transfer")) { _ = try await service.open(expiring.bob, password: Sample.manualPassword) }
        try await h.cleanup().runOnce()
        #expect(try await h.database.transfer(expiring.trackingId)?.state == .deletedByExpiration)
        #expect(try await service.retrievalState(expiring.carol) == .expired(on: expires))
        await #expect(throws: SealdropError.notFound("The transfer")) { _ = try await service.open(expiring.carol, password: Sample.manualPassword) }

        let sender = Sample.sender()
        let (revokedId, _, _) = try await h.transfers().provide(by: sender, recipients: RecipientList(to: [Sample.bob]), mode: .manual,
                                                                files: [("a.txt", Array("a".utf8))])
        _ = try await h.transfers().sent.revoke(revokedId, by: sender, options: RevocationOptions(notifySender: false, notifyRecipients: false))
        let revoked = try #require(try await h.database.recipients(of: revokedId).first).transferId
        #expect(try await service.retrievalState(revoked) == .revoked)
        await #expect(throws: SealdropError.notFound("The transfer")) { _ = try await service.open(revoked, password: Sample.manualPassword) }

        // Deleted by an administrator: nothing more than "not available".
        let removed = try await provide(h)
        try await h.transfers().sent.deleteByAdministrator(removed.trackingId)
        #expect(try await service.retrievalState(removed.bob) == .unavailable)
    }
}
