import Foundation
import SealdropCore
import Testing

/// The repository contract, written once over the protocols and run against every backend.
///
/// Each function takes a fresh, empty store and checks one group of promises the protocols make.
enum RepositoryContract {
    /// Every field of a session survives a write and a read: settings JSON, whole-second dates, key blobs.
    static func sessionRoundTrip(_ repo: Repositories) async throws {
        let session = Fixture.session()
        try await repo.insertSession(session)
        let read = try #require(try await repo.transfer(session.trackingId))
        #expect(read == session)
        #expect(read.settings.notificationMessage.subject == "Quarterly report ✓")
        #expect(read.settings.expirationDate == Fixture.t0.addingTimeInterval(14 * 86400))
        #expect(read.sessionSealedKey == [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01])
        #expect(read.sealedPassword == [9, 8, 7, 0, 255])
        #expect(read.creatorTokenHash == Array(0..<32))
        #expect(read.recipients.bcc == [Fixture.dave])
        #expect(try await repo.transfer(Fixture.trackingId()) == nil)
    }

    /// `updateSession` changes the editable parts while the session is OPEN and refuses afterwards.
    static func updateSessionOnlyWhileOpen(_ repo: Repositories) async throws {
        var session = Fixture.session()
        try await repo.insertSession(session)
        session.sender = SenderContact(name: "A. Ämsig", phone: "")
        session.settings.expirationDate = Fixture.t0.addingTimeInterval(3 * 86400)
        session.settings.passwordMode = .generated
        session.settings.confidentialMessageFileId = nil
        session.sealedPassword = [1, 2, 3]
        session.updatedAt = Fixture.t0.addingTimeInterval(30)
        #expect(try await repo.updateSession(session))
        #expect(try await repo.transfer(session.trackingId) == session)

        #expect(try await repo.finalize(Fixture.finalized(session), recipients: Fixture.recipients(of: session), mails: []))
        var late = session
        late.settings.expirationDate = Fixture.t0.addingTimeInterval(9 * 86400)
        late.sender = SenderContact(name: "Mallory")
        #expect(try await repo.updateSession(late) == false)
        let stored = try #require(try await repo.transfer(session.trackingId))
        #expect(stored.state == .active)
        #expect(stored.sender.name == "A. Ämsig")
        #expect(stored.settings.expirationDate == Fixture.t0.addingTimeInterval(3 * 86400))
        #expect(try await repo.updateSession(Fixture.session()) == false)
    }

    /// Files come back in registration order; a duplicate name in one session is a 409/2001 conflict.
    static func filesInOrderAndUniqueNames(_ repo: Repositories) async throws {
        let session = Fixture.session()
        let other = Fixture.session(Fixture.trackingId())
        try await repo.insertSession(session)
        try await repo.insertSession(other)
        let names = ["zeta.pdf", "alpha.txt", "mid.bin", "Alpha.txt"]
        var files: [FileRecord] = []
        for (i, name) in names.enumerated() {
            let file = Fixture.file(session.trackingId, name: name, size: Int64(100 * (i + 1)))
            files.append(file)
            try await repo.insertFile(file)
        }
        #expect(try await repo.files(of: session.trackingId) == files)

        let error = await #expect(throws: SealdropError.self) {
            try await repo.insertFile(Fixture.file(session.trackingId, name: "alpha.txt"))
        }
        #expect(error?.code == .policyConflict)
        #expect(error?.status == 409)
        #expect(try await repo.files(of: session.trackingId).count == 4)
        // The same name in another session is fine.
        try await repo.insertFile(Fixture.file(other.trackingId, name: "alpha.txt"))
        #expect(try await repo.files(of: other.trackingId).map(\.fileName) == ["alpha.txt"])

        var uploaded = files[1]
        uploaded.state = .uploaded
        uploaded.checksum = String(repeating: "0f", count: 32)
        uploaded.uploadedAt = Fixture.t0.addingTimeInterval(5)
        try await repo.updateFile(uploaded)
        try await repo.deleteFile(session.trackingId, files[2].fileId)
        #expect(try await repo.files(of: session.trackingId) == [files[0], uploaded, files[3]])
        // Registering after a deletion still appends at the end.
        let late = Fixture.file(session.trackingId, name: "late.txt")
        try await repo.insertFile(late)
        #expect(try await repo.files(of: session.trackingId).last == late)
    }

    /// Finalize creates recipients, activates files, drops the server-sealed key and queues mail at once; only once.
    static func finalizeIsAtomicAndOnce(_ repo: Repositories) async throws {
        let session = Fixture.session()
        try await repo.insertSession(session)
        let files = [Fixture.file(session.trackingId, name: "a"), Fixture.file(session.trackingId, name: "b")]
        for f in files { try await repo.insertFile(f) }
        let recipients = Fixture.recipients(of: session)
        let mails = recipients.map { Fixture.mail("recipient-notification", to: $0.email.address, trackingId: session.trackingId) }
            + [Fixture.mail("upload-summary", to: Fixture.alice.address, trackingId: session.trackingId)]
        let finalized = Fixture.finalized(session)

        #expect(try await repo.finalize(finalized, recipients: recipients, mails: mails))
        let stored = try #require(try await repo.transfer(session.trackingId))
        #expect(stored.state == .active)
        #expect(stored.sessionSealedKey == nil)
        #expect(stored.wrappedKey == finalized.wrappedKey)
        #expect(stored.sealedPassword == nil)
        #expect(stored.finalizedAt == finalized.finalizedAt)
        #expect(try await repo.files(of: session.trackingId).map(\.state) == [.active, .active])
        #expect(try await repo.recipients(of: session.trackingId) == recipients)
        #expect(try await repo.recipient(recipients[1].transferId) == recipients[1])
        #expect(try await repo.queuedCount() == 4)
        let queued = try await repo.recentMessages(limit: 10)
        #expect(Set(queued.map(\.kind)) == ["recipient-notification", "upload-summary"])

        let again = recipients.map { RecipientRecord(transferId: TransferID.random(), trackingId: $0.trackingId, email: $0.email, kind: $0.kind) }
        #expect(try await repo.finalize(finalized, recipients: again, mails: mails) == false)
        #expect(try await repo.queuedCount() == 4)
        #expect(try await repo.recipients(of: session.trackingId) == recipients)
    }

    /// ZIP listings are written with the finalize, to the files they belong to, and a refused finalize writes none.
    static func zipListingsAreStoredAtFinalize(_ repo: Repositories) async throws {
        let session = Fixture.session()
        try await repo.insertSession(session)
        let zip = Fixture.file(session.trackingId, name: "photos.zip"), text = Fixture.file(session.trackingId, name: "notes.txt")
        try await repo.insertFile(zip)
        try await repo.insertFile(text)
        #expect(try await repo.files(of: session.trackingId).map(\.zipListing) == [nil, nil])
        let listing = ZipListing(names: ["Übersicht.pdf", "<script>alert(1)</script>.txt", "a/b/c.txt"], more: 7)
        #expect(try await repo.finalize(Fixture.finalized(session), zipListings: [zip.fileId: listing], recipients: Fixture.recipients(of: session), mails: [], archiveJob: nil))
        var expected = [zip, text].map { var f = $0; f.state = .active; return f }
        expected[0].zipListing = listing
        #expect(try await repo.files(of: session.trackingId) == expected)

        let other = ZipListing(names: ["replaced.txt"], more: 0)
        #expect(try await repo.finalize(Fixture.finalized(session), zipListings: [zip.fileId: other, text.fileId: other], recipients: [], mails: [], archiveJob: nil) == false)
        #expect(try await repo.files(of: session.trackingId) == expected)
    }

    /// A finalize that fails half-way (duplicate recipient id) leaves the session exactly as it was.
    static func failedFinalizeRollsBack(_ repo: Repositories) async throws {
        let session = Fixture.session()
        try await repo.insertSession(session)
        try await repo.insertFile(Fixture.file(session.trackingId, name: "a"))
        let id = TransferID.random()
        let clashing = session.recipients.all.map { RecipientRecord(transferId: id, trackingId: session.trackingId, email: $0.address, kind: $0.kind) }
        await #expect(throws: (any Error).self) {
            _ = try await repo.finalize(Fixture.finalized(session), recipients: clashing, mails: [Fixture.mail()])
        }
        #expect(try await repo.transfer(session.trackingId) == session)
        #expect(try await repo.files(of: session.trackingId).map(\.state) == [.initialized])
        #expect(try await repo.recipients(of: session.trackingId).isEmpty)
        #expect(try await repo.queuedCount() == 0)
    }

    /// `endTransfer` works only from ACTIVE or PROCESSING: state set, keys dropped, files REMOVED, mail queued.
    static func endTransferOnlyFromActive(_ repo: Repositories) async throws {
        let session = Fixture.session()
        try await repo.insertSession(session)
        try await repo.insertFile(Fixture.file(session.trackingId, name: "a"))
        #expect(try await repo.endTransfer(session.trackingId, state: .deletedByAdmin, mails: [Fixture.mail()]) == false)
        #expect(try await repo.transfer(session.trackingId)?.state == .open)
        #expect(try await repo.queuedCount() == 0)

        var finalized = Fixture.finalized(session)
        finalized.sealedPassword = [5, 5, 5]
        #expect(try await repo.finalize(finalized, recipients: Fixture.recipients(of: session), mails: []))
        #expect(try await repo.endTransfer(session.trackingId, state: .deletedByRevocation, mails: [Fixture.mail("revocation"), Fixture.mail("revocation")]))
        let ended = try #require(try await repo.transfer(session.trackingId))
        #expect(ended.state == .deletedByRevocation)
        #expect(ended.wrappedKey == nil)
        #expect(ended.sessionSealedKey == nil)
        #expect(ended.sealedPassword == nil)
        #expect(try await repo.files(of: session.trackingId).map(\.state) == [.removed])
        #expect(try await repo.queuedCount() == 2)
        // The metadata stays; a second end changes nothing.
        #expect(try await repo.recipients(of: session.trackingId).count == 3)
        #expect(try await repo.endTransfer(session.trackingId, state: .deletedByExpiration, mails: [Fixture.mail()]) == false)
        #expect(try await repo.transfer(session.trackingId)?.state == .deletedByRevocation)
        #expect(try await repo.queuedCount() == 2)

        let processing = Fixture.session(Fixture.trackingId(), state: .processing)
        try await repo.insertSession(processing)
        #expect(try await repo.endTransfer(processing.trackingId, state: .failed, mails: []))
        #expect(try await repo.transfer(processing.trackingId)?.state == .failed)
    }

    /// Inserts and finalizes a transfer of `sender` to `recipients` at `date`.
    @discardableResult
    static func activeTransfer(_ repo: Repositories, sender: EmailAddress, recipients: RecipientList, at date: Date) async throws -> TransferRecord {
        let session = Fixture.session(Fixture.trackingId(date), sender: sender, recipients: recipients, createdAt: date)
        try await repo.insertSession(session)
        let finalized = Fixture.finalized(session, at: date)
        #expect(try await repo.finalize(finalized, recipients: Fixture.recipients(of: session), mails: []))
        return finalized
    }

    /// Sent transfers: newest first, paged, OPEN sessions hidden, the `active` filter, case-insensitive address.
    static func sentTransfersPaging(_ repo: Repositories) async throws {
        var made: [TrackingID] = []
        for i in 0..<5 {
            made.append(try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.bob]),
                                                 at: Fixture.t0.addingTimeInterval(Double(i) * 3600)).trackingId)
        }
        try await activeTransfer(repo, sender: Fixture.carol, recipients: RecipientList(to: [Fixture.bob]), at: Fixture.t0)
        try await repo.insertSession(Fixture.session(Fixture.trackingId(), sender: Fixture.alice))
        #expect(try await repo.endTransfer(made[1], state: .deletedByExpiration, mails: []))

        let newestFirst = Array(made.reversed())
        let sender = Fixture.email("ALICE@Example.ORG")
        #expect(try await repo.transfers(sentBy: sender, active: nil, page: 1, pageSize: 2).map(\.trackingId) == Array(newestFirst[0..<2]))
        #expect(try await repo.transfers(sentBy: sender, active: nil, page: 2, pageSize: 2).map(\.trackingId) == Array(newestFirst[2..<4]))
        #expect(try await repo.transfers(sentBy: sender, active: nil, page: 3, pageSize: 2).map(\.trackingId) == [newestFirst[4]])
        #expect(try await repo.transfers(sentBy: sender, active: nil, page: 4, pageSize: 2).isEmpty)
        #expect(try await repo.transfers(sentBy: sender, active: true, page: 1, pageSize: 10).map(\.trackingId)
                == newestFirst.filter { $0 != made[1] })
        #expect(try await repo.transfers(sentBy: sender, active: false, page: 1, pageSize: 10).map(\.trackingId) == [made[1]])
        #expect(try await repo.transfers(sentBy: Fixture.dave, active: nil, page: 1, pageSize: 10).isEmpty)
    }

    /// Received transfers: every field a recipient was named in counts; newest first, paged, filtered.
    static func receivedTransfersPaging(_ repo: Repositories) async throws {
        let a = try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.bob]), at: Fixture.t0)
        let b = try await activeTransfer(repo, sender: Fixture.carol, recipients: RecipientList(to: [Fixture.dave], cc: [Fixture.bob]),
                                         at: Fixture.t0.addingTimeInterval(60))
        let c = try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.dave], bcc: [Fixture.bob]),
                                         at: Fixture.t0.addingTimeInterval(120))
        try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.carol]), at: Fixture.t0.addingTimeInterval(180))
        try await repo.insertSession(Fixture.session(Fixture.trackingId(), recipients: RecipientList(to: [Fixture.bob])))
        #expect(try await repo.endTransfer(b.trackingId, state: .deletedByAdmin, mails: []))

        let bob = Fixture.email("Bob@EXAMPLE.net")
        #expect(try await repo.transfers(receivedBy: bob, active: nil, page: 1, pageSize: 10).map(\.trackingId) == [c, b, a].map(\.trackingId))
        #expect(try await repo.transfers(receivedBy: bob, active: nil, page: 2, pageSize: 2).map(\.trackingId) == [a.trackingId])
        #expect(try await repo.transfers(receivedBy: bob, active: true, page: 1, pageSize: 10).map(\.trackingId) == [c, a].map(\.trackingId))
        #expect(try await repo.transfers(receivedBy: bob, active: false, page: 1, pageSize: 10).map(\.trackingId) == [b.trackingId])
        #expect(try await repo.transfers(receivedBy: Fixture.alice, active: nil, page: 1, pageSize: 10).isEmpty)
    }

    /// Failed password attempts count up per recipient; a lock resets the count and queues its alerts together;
    /// while locked nothing counts and no second lock or alert happens; a reset clears the count.
    static func failedAttemptsLockAndReset(_ repo: Repositories) async throws {
        let t = try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.bob, Fixture.carol]), at: Fixture.t0)
        let recipients = try await repo.recipients(of: t.trackingId)
        let (bob, carol) = (recipients[0].transferId, recipients[1].transferId)
        let now = Fixture.t0.addingTimeInterval(600)
        #expect(try await repo.recordFailedAttempt(bob, now: now) == 1)
        #expect(try await repo.recordFailedAttempt(bob, now: now) == 2)
        #expect(try await repo.recordFailedAttempt(bob, now: now) == 3)
        #expect(try await repo.recordFailedAttempt(carol, now: now) == 1)
        #expect(try await repo.recipient(bob)?.failedAttempts == 3)

        let until = now.addingTimeInterval(3600)
        #expect(try await repo.lock(bob, until: until, now: now, mails: [Fixture.mail("download-protection", to: "alice@example.org")]))
        let locked = try #require(try await repo.recipient(bob))
        #expect(locked.lockedUntil == until)
        #expect(locked.failedAttempts == 0)
        #expect(try await repo.queuedCount() == 1)
        // Guesses that arrive during the lock neither count nor lock again nor alert again.
        let during = now.addingTimeInterval(60)
        #expect(try await repo.recordFailedAttempt(bob, now: during) == nil)
        #expect(try await repo.lock(bob, until: during.addingTimeInterval(3600), now: during, mails: [Fixture.mail("download-protection")]) == false)
        #expect(try await repo.recipient(bob) == locked)
        #expect(try await repo.queuedCount() == 1)
        // Once the lock has run out, attempts count again from zero.
        #expect(try await repo.recordFailedAttempt(bob, now: until) == 1)

        try await repo.resetFailedAttempts(carol)
        #expect(try await repo.recipient(carol)?.failedAttempts == 0)
        #expect(try await repo.recipient(carol)?.lockedUntil == nil)
        #expect(try await repo.recipient(bob)?.failedAttempts == 1)
        #expect(try await repo.recordFailedAttempt(TransferID.random(), now: now) == nil)
        #expect(try await repo.recipient(TransferID.random()) == nil)
    }

    /// Downloads are kept per transfer in order; deleting a transfer takes files, recipients and downloads with it.
    static func downloadsAndDeletion(_ repo: Repositories) async throws {
        let t = try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.bob, Fixture.carol]), at: Fixture.t0)
        let other = try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.bob]), at: Fixture.t0)
        let file = FileID.random()
        let r = try await repo.recipients(of: t.trackingId)
        let events = [
            DownloadEvent(transferId: r[0].transferId, fileId: file, date: Fixture.t0.addingTimeInterval(10), method: .downloaded),
            DownloadEvent(transferId: r[1].transferId, fileId: file, date: Fixture.t0.addingTimeInterval(20), method: .viewed),
            DownloadEvent(transferId: r[0].transferId, fileId: file, date: Fixture.t0.addingTimeInterval(30), method: .downloaded),
        ]
        for e in events { try await repo.recordDownload(e) }
        let otherRecipient = try #require(try await repo.recipients(of: other.trackingId).first)
        try await repo.recordDownload(DownloadEvent(transferId: otherRecipient.transferId, fileId: file, date: Fixture.t0, method: .downloaded))
        #expect(try await repo.downloads(of: t.trackingId) == events)
        #expect(try await repo.downloads(of: other.trackingId).count == 1)

        try await repo.insertFile(Fixture.file(t.trackingId, name: "x"))
        try await repo.deleteTransfer(t.trackingId)
        #expect(try await repo.transfer(t.trackingId) == nil)
        #expect(try await repo.files(of: t.trackingId).isEmpty)
        #expect(try await repo.recipients(of: t.trackingId).isEmpty)
        #expect(try await repo.recipient(r[0].transferId) == nil)
        #expect(try await repo.downloads(of: t.trackingId).isEmpty)
        #expect(try await repo.downloads(of: other.trackingId).count == 1)
    }

    /// Expired, abandoned and live transfers are found by state and date.
    static func expiredAbandonedAndLive(_ repo: Repositories) async throws {
        let now = Fixture.t0.addingTimeInterval(30 * 86400)
        func active(expires: Date) async throws -> TrackingID {
            let s = Fixture.session(Fixture.trackingId(), expiresAt: expires)
            try await repo.insertSession(s)
            #expect(try await repo.finalize(Fixture.finalized(s), recipients: Fixture.recipients(of: s), mails: []))
            return s.trackingId
        }
        let expired = try await active(expires: now.addingTimeInterval(-1))
        let expiringNow = try await active(expires: now)
        let current = try await active(expires: now.addingTimeInterval(1))
        let ended = try await active(expires: now.addingTimeInterval(-100))
        #expect(try await repo.endTransfer(ended, state: .deletedByRevocation, mails: []))
        let oldOpen = Fixture.session(Fixture.trackingId(), createdAt: now.addingTimeInterval(-7200), expiresAt: now.addingTimeInterval(-5))
        let freshOpen = Fixture.session(Fixture.trackingId(), createdAt: now.addingTimeInterval(-60), expiresAt: now.addingTimeInterval(86400))
        let processing = Fixture.session(Fixture.trackingId(), state: .processing, createdAt: now.addingTimeInterval(-7200))
        for s in [oldOpen, freshOpen, processing] { try await repo.insertSession(s) }

        #expect(Set(try await repo.expiredTransfers(asOf: now)) == [expired, expiringNow])
        #expect(try await repo.abandonedSessions(notUpdatedSince: now.addingTimeInterval(-3600)) == [oldOpen.trackingId])
        #expect(try await repo.abandonedSessions(notUpdatedSince: now.addingTimeInterval(-7200)).isEmpty)
        #expect(try await repo.liveTrackingIds()
                == Set([expired, expiringNow, current, oldOpen.trackingId, freshOpen.trackingId, processing.trackingId].map(\.rawValue)))
    }

    /// A new code replaces the earlier one and resets its failures; codes are per (address, client id).
    static func verificationCodes(_ repo: Repositories) async throws {
        let first = VerificationCodeRecord(email: Fixture.alice, clientId: "c1", codeHash: Array(repeating: 1, count: 48),
                                           createdAt: Fixture.t0, expiresAt: Fixture.t0.addingTimeInterval(900))
        try await repo.storeCode(first, mail: Fixture.mail("verification-code"))
        #expect(try await repo.code(email: Fixture.alice, clientId: "c1") == first)
        #expect(try await repo.recordFailedCodeAttempt(email: Fixture.alice, clientId: "c1") == 1)
        #expect(try await repo.recordFailedCodeAttempt(email: Fixture.email("ALICE@example.org"), clientId: "c1") == 2)
        #expect(try await repo.code(email: Fixture.alice, clientId: "c1")?.failedAttempts == 2)

        let second = VerificationCodeRecord(email: Fixture.alice, clientId: "c1", codeHash: Array(repeating: 2, count: 48),
                                            createdAt: Fixture.t0.addingTimeInterval(60), expiresAt: Fixture.t0.addingTimeInterval(960))
        try await repo.storeCode(second, mail: Fixture.mail("verification-code"))
        #expect(try await repo.code(email: Fixture.alice, clientId: "c1") == second)
        #expect(try await repo.code(email: Fixture.alice, clientId: "c2") == nil)
        #expect(try await repo.code(email: Fixture.bob, clientId: "c1") == nil)
        #expect(try await repo.queuedCount() == 2)
        #expect(try await repo.recentMessages(limit: 5).allSatisfy { $0.kind == "verification-code" })

        try await repo.deleteCode(email: Fixture.alice, clientId: "c1")
        #expect(try await repo.code(email: Fixture.alice, clientId: "c1") == nil)
        #expect(try await repo.recordFailedCodeAttempt(email: Fixture.alice, clientId: "c1") == 0)
    }

    /// Redeeming deletes the code and stores the verification; using it moves `lastUsedAt`.
    static func redeemAndTouch(_ repo: Repositories) async throws {
        let code = VerificationCodeRecord(email: Fixture.alice, clientId: "c1", codeHash: Array(repeating: 7, count: 48),
                                          createdAt: Fixture.t0, expiresAt: Fixture.t0.addingTimeInterval(900))
        try await repo.storeCode(code, mail: Fixture.mail("verification-code"))
        let grant = VerificationRecord(tokenHash: Array(repeating: 0xAB, count: 32), email: Fixture.alice, clientId: "c1",
                                       createdAt: Fixture.t0, maxValidUntil: Fixture.t0.addingTimeInterval(30 * 86400), lastUsedAt: Fixture.t0)
        try await repo.redeemCode(email: Fixture.alice, clientId: "c1", granting: grant)
        #expect(try await repo.code(email: Fixture.alice, clientId: "c1") == nil)
        #expect(try await repo.verification(tokenHash: grant.tokenHash) == grant)
        #expect(try await repo.verification(tokenHash: Array(repeating: 0xAC, count: 32)) == nil)

        try await repo.touchVerification(tokenHash: grant.tokenHash, at: Fixture.t0.addingTimeInterval(86400))
        #expect(try await repo.verification(tokenHash: grant.tokenHash)?.lastUsedAt == Fixture.t0.addingTimeInterval(86400))

        let forever = VerificationRecord(tokenHash: Array(repeating: 0xCD, count: 32), email: Fixture.bob, clientId: "c2",
                                         createdAt: Fixture.t0, maxValidUntil: nil, lastUsedAt: Fixture.t0)
        try await repo.redeemCode(email: Fixture.bob, clientId: "c2", granting: forever)
        #expect(try await repo.verification(tokenHash: forever.tokenHash) == forever)
    }

    /// Expired verifications (by maximum or idle term) and expired codes are deleted; the rest stay.
    static func deleteExpiredVerifications(_ repo: Repositories) async throws {
        let now = Fixture.t0.addingTimeInterval(100 * 86400)
        func grant(_ byte: UInt8, maxValidUntil: Date?, lastUsedAt: Date) async throws -> [UInt8] {
            let v = VerificationRecord(tokenHash: Array(repeating: byte, count: 32), email: Fixture.alice, clientId: "c\(byte)",
                                       createdAt: Fixture.t0, maxValidUntil: maxValidUntil, lastUsedAt: lastUsedAt)
            try await repo.redeemCode(email: Fixture.alice, clientId: "c\(byte)", granting: v)
            return v.tokenHash
        }
        let pastMax = try await grant(1, maxValidUntil: now.addingTimeInterval(-1), lastUsedAt: now)
        let idle = try await grant(2, maxValidUntil: now.addingTimeInterval(86400), lastUsedAt: now.addingTimeInterval(-31 * 86400))
        let valid = try await grant(3, maxValidUntil: now.addingTimeInterval(86400), lastUsedAt: now.addingTimeInterval(-86400))
        let unlimited = try await grant(4, maxValidUntil: nil, lastUsedAt: now.addingTimeInterval(-86400))
        let expiredCode = VerificationCodeRecord(email: Fixture.bob, clientId: "x", codeHash: [1], createdAt: now.addingTimeInterval(-1000),
                                                 expiresAt: now.addingTimeInterval(-1))
        let liveCode = VerificationCodeRecord(email: Fixture.bob, clientId: "y", codeHash: [2], createdAt: now, expiresAt: now.addingTimeInterval(900))
        try await repo.storeCode(expiredCode, mail: Fixture.mail())
        try await repo.storeCode(liveCode, mail: Fixture.mail())

        try await repo.deleteExpiredVerifications(maxValidBefore: now, idleSince: now.addingTimeInterval(-30 * 86400), now: now)
        #expect(try await repo.verification(tokenHash: pastMax) == nil)
        #expect(try await repo.verification(tokenHash: idle) == nil)
        #expect(try await repo.verification(tokenHash: valid) != nil)
        #expect(try await repo.verification(tokenHash: unlimited) != nil)
        #expect(try await repo.code(email: Fixture.bob, clientId: "x") == nil)
        #expect(try await repo.code(email: Fixture.bob, clientId: "y") == liveCode)
    }

    /// The outbox: due messages oldest first, sent, retried, failed, counted, listed newest first.
    static func outboxLifecycle(_ repo: Repositories) async throws {
        let tid = Fixture.trackingId()
        var a = Fixture.mail("a", at: Fixture.t0, trackingId: tid)
        var b = Fixture.mail("b", at: Fixture.t0)
        b.nextAttemptAt = Fixture.t0.addingTimeInterval(10)
        var c = Fixture.mail("c", at: Fixture.t0)
        c.nextAttemptAt = Fixture.t0.addingTimeInterval(100)
        try await repo.enqueue([a, b, c])
        #expect(try await repo.queuedCount() == 3)

        let due = try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(10), limit: 10)
        #expect(due.map(\.kind) == ["a", "b"])
        a.id = due[0].id
        #expect(due[0] == a)
        #expect(due[0].envelopeTo == ["bob@example.net", "cc@example.org"])
        #expect(due[0].trackingId == tid.rawValue)
        #expect(try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(10), limit: 1).map(\.kind) == ["a"])
        #expect(try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(-1), limit: 10).isEmpty)

        let idA = try #require(due[0].id), idB = try #require(due[1].id)
        try await repo.markSent(idA, at: Fixture.t0.addingTimeInterval(11))
        #expect(try await repo.queuedCount() == 2)
        #expect(try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(1000), limit: 10).map(\.kind) == ["b", "c"])

        try await repo.markRetry(idB, attempts: 1, nextAttemptAt: Fixture.t0.addingTimeInterval(500), error: "421 try later")
        #expect(try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(499), limit: 10).map(\.kind) == ["c"])
        let retried = try #require(try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(500), limit: 10).first)
        #expect(retried.kind == "b")
        #expect(retried.attempts == 1)
        #expect(retried.lastError == "421 try later")
        #expect(retried.state == .queued)
        #expect(try await repo.queuedCount() == 2)

        try await repo.markFailed(idB, attempts: 2, error: "550 no such user")
        #expect(try await repo.queuedCount() == 1)
        let recent = try await repo.recentMessages(limit: 3)
        #expect(recent.map(\.kind) == ["c", "b", "a"])
        #expect(recent[1].state == .failed)
        #expect(recent[1].attempts == 2)
        #expect(recent[1].lastError == "550 no such user")
        #expect(recent[2].state == .sent)
        #expect(recent[2].attempts == 1)
        #expect(recent[2].lastError == nil)
        #expect(try await repo.recentMessages(limit: 1).map(\.kind) == ["c"])
        #expect(try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(10_000), limit: 10).map(\.kind) == ["c"])
    }

    /// A finally failed recipient notification flags that recipient only; a failed upload summary flags
    /// the sender; other kinds and sent mail flag nothing.
    static func failedNotificationsAreFlagged(_ repo: Repositories) async throws {
        let t = try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.bob], cc: [Fixture.carol]), at: Fixture.t0)
        let other = try await activeTransfer(repo, sender: Fixture.alice, recipients: RecipientList(to: [Fixture.bob]), at: Fixture.t0)
        var toBob = Fixture.mail("recipient-notification", to: Fixture.bob.address, trackingId: t.trackingId)
        toBob.envelopeTo = [Fixture.bob.address]
        var toCarol = Fixture.mail("recipient-notification", to: Fixture.carol.address, trackingId: t.trackingId)
        toCarol.envelopeTo = [Fixture.carol.address]
        var summary = Fixture.mail("upload-summary", to: Fixture.alice.address, trackingId: t.trackingId)
        summary.envelopeTo = [Fixture.alice.address]
        var download = Fixture.mail("download-notification", to: Fixture.alice.address, trackingId: other.trackingId)
        download.envelopeTo = [Fixture.alice.address]
        try await repo.enqueue([toBob, toCarol, summary, download])
        let queued = try await repo.dueMessages(asOf: Fixture.t0.addingTimeInterval(1), limit: 10)
        let ids = Dictionary(uniqueKeysWithValues: queued.map { ("\($0.kind) \($0.envelopeTo[0])", try! #require($0.id)) })

        try await repo.markFailed(try #require(ids["recipient-notification \(Fixture.carol.address)"]), attempts: 1, error: "550 no such user")
        try await repo.markSent(try #require(ids["recipient-notification \(Fixture.bob.address)"]), at: Fixture.t0)
        try await repo.markFailed(try #require(ids["download-notification \(Fixture.alice.address)"]), attempts: 1, error: "550")
        var recipients = try await repo.recipients(of: t.trackingId)
        #expect(recipients.map(\.notificationFailed) == [false, true])
        #expect(try await repo.recipients(of: other.trackingId).map(\.notificationFailed) == [false])
        #expect(try await repo.transfer(t.trackingId)?.senderNotificationFailed == false)
        #expect(try await repo.transfer(other.trackingId)?.senderNotificationFailed == false)

        try await repo.markFailed(try #require(ids["upload-summary \(Fixture.alice.address)"]), attempts: 3, error: "554 rejected")
        #expect(try await repo.transfer(t.trackingId)?.senderNotificationFailed == true)
        recipients = try await repo.recipients(of: t.trackingId)
        #expect(recipients.map(\.notificationFailed) == [false, true])
    }
}
