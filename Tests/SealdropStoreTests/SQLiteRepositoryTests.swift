#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SealdropCore
import SealdropStore
import Testing

/// The repository contract on SQLite, in memory and as a WAL-mode file.
@Suite struct SQLiteRepositoryTests {
    /// Runs one contract function on a fresh database of `backend`.
    func run(_ backend: Backend, _ contract: (Repositories) async throws -> Void) async throws {
        let store = try await backend.make()
        if backend == .file { #expect(try await store.database.journalMode() == "wal") }
        try await contract(store.repositories)
        withExtendedLifetime(store.directory) {}
    }

    @Test(arguments: Backend.allCases) func sessionRoundTrip(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.sessionRoundTrip)
    }

    @Test(arguments: Backend.allCases) func updateSessionOnlyWhileOpen(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.updateSessionOnlyWhileOpen)
    }

    @Test(arguments: Backend.allCases) func filesInOrderAndUniqueNames(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.filesInOrderAndUniqueNames)
    }

    @Test(arguments: Backend.allCases) func finalizeIsAtomicAndOnce(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.finalizeIsAtomicAndOnce)
    }

    @Test(arguments: Backend.allCases) func zipListingsAreStoredAtFinalize(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.zipListingsAreStoredAtFinalize)
    }

    @Test(arguments: Backend.allCases) func failedFinalizeRollsBack(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.failedFinalizeRollsBack)
    }

    @Test(arguments: Backend.allCases) func endTransferOnlyFromActive(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.endTransferOnlyFromActive)
    }

    @Test(arguments: Backend.allCases) func failedNotificationsAreFlagged(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.failedNotificationsAreFlagged)
    }

    @Test(arguments: Backend.allCases) func sentTransfersPaging(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.sentTransfersPaging)
    }

    @Test(arguments: Backend.allCases) func receivedTransfersPaging(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.receivedTransfersPaging)
    }

    @Test(arguments: Backend.allCases) func failedAttemptsLockAndReset(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.failedAttemptsLockAndReset)
    }

    @Test(arguments: Backend.allCases) func downloadsAndDeletion(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.downloadsAndDeletion)
    }

    @Test(arguments: Backend.allCases) func expiredAbandonedAndLive(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.expiredAbandonedAndLive)
    }

    @Test(arguments: Backend.allCases) func verificationCodes(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.verificationCodes)
    }

    @Test(arguments: Backend.allCases) func redeemAndTouch(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.redeemAndTouch)
    }

    @Test(arguments: Backend.allCases) func deleteExpiredVerifications(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.deleteExpiredVerifications)
    }

    @Test(arguments: Backend.allCases) func outboxLifecycle(_ backend: Backend) async throws {
        try await run(backend, RepositoryContract.outboxLifecycle)
    }
}

/// The file database: WAL mode and durability across a restart.
@Suite struct FileDatabaseTests {
    @Test func fileDatabaseUsesWAL() async throws {
        let dir = try TemporaryDirectory()
        let db = try SealdropDatabase.open(path: dir.file("db.sqlite"), bodySealer: ReversingSealer())
        #expect(try await db.journalMode() == "wal")
        #expect(FileManager.default.fileExists(atPath: dir.file("db.sqlite")))
    }

    @Test func inMemoryDatabasesAreIndependent() async throws {
        let a = try SealdropDatabase.inMemory(bodySealer: ReversingSealer())
        let b = try SealdropDatabase.inMemory(bodySealer: ReversingSealer())
        let session = Fixture.session()
        try await a.insertSession(session)
        #expect(try await b.transfer(session.trackingId) == nil)
    }

    @Test func dataSurvivesReopening() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("db.sqlite")
        let session = Fixture.session()
        let file = Fixture.file(session.trackingId, name: "report.pdf")
        let code = VerificationCodeRecord(email: Fixture.alice, clientId: "c1", codeHash: Array(repeating: 3, count: 48),
                                          createdAt: Fixture.t0, expiresAt: Fixture.t0.addingTimeInterval(900))
        do {
            let db = try SealdropDatabase.open(path: path, bodySealer: ReversingSealer())
            try await db.insertSession(session)
            try await db.insertFile(file)
            #expect(try await db.finalize(Fixture.finalized(session), recipients: Fixture.recipients(of: session), mails: [Fixture.mail()]))
            try await db.storeCode(code, mail: Fixture.mail("verification-code"))
        }
        // A second open runs the migrator again on an up-to-date schema and sees everything.
        let reopened = try SealdropDatabase.open(path: path, bodySealer: ReversingSealer())
        #expect(try await reopened.journalMode() == "wal")
        #expect(try await reopened.transfer(session.trackingId) == Fixture.finalized(session))
        #expect(try await reopened.files(of: session.trackingId).map(\.fileName) == ["report.pdf"])
        #expect(try await reopened.recipients(of: session.trackingId).count == 3)
        #expect(try await reopened.code(email: Fixture.alice, clientId: "c1") == code)
        #expect(try await reopened.queuedCount() == 2)
    }

    /// Issue 11: the database file and its WAL are the owner's only (SQLite would create them 0644), and an
    /// existing file with wider permissions is narrowed.
    @Test func databaseFilesAreOwnerOnly() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("db.sqlite")
        let db = try SealdropDatabase.open(path: path, bodySealer: ReversingSealer())
        try await db.insertSession(Fixture.session())
        for file in [path, path + "-wal"] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
        #expect(chmod(path, 0o644) == 0)
        _ = try SealdropDatabase.open(path: path, bodySealer: ReversingSealer())
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    /// Issue 11 H1: what a write removes is gone from every file, not only from the row: `secure_delete` zeroes the
    /// freed cell and the WAL, which still holds the page as it was, is checkpointed and truncated.
    @Test func removedSecretsLeaveNoTraceInTheFiles() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("db.sqlite")
        let db = try SealdropDatabase.open(path: path, bodySealer: ReversingSealer())
        #expect(try await db.secureDeleteSetting() == 1)
        var session = Fixture.session()
        let sealedKey = (0..<48).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        session.sessionSealedKey = sealedKey
        try await db.insertSession(session)
        let mail = OutboxMessage(kind: "verification-code", envelopeFrom: "a@example.org", envelopeTo: ["b@example.org"], subject: "code",
                                 message: Array("Subject: code\r\n\r\nYour code: QWERTZUIOP-SECRET-CODE\r\n".utf8), createdAt: Fixture.t0)
        try await db.enqueue([mail])
        func everyFile() throws -> [UInt8] {
            try FileManager.default.contentsOfDirectory(atPath: dir.path).flatMap { [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file($0)))) }
        }
        #expect(try everyFile().firstRange(of: sealedKey) != nil, "the key is stored before finalize")
        #expect(try everyFile().firstRange(of: Array("QWERTZUIOP-SECRET-CODE".utf8)) == nil, "queued bodies are sealed")

        #expect(try await db.finalize(Fixture.finalized(session), recipients: Fixture.recipients(of: session), mails: []))
        let queued = try #require(try await db.dueMessages(asOf: Fixture.t0.addingTimeInterval(1), limit: 10).first)
        #expect(queued.message == mail.message, "read back opened")
        try await db.markSent(try #require(queued.id), at: Fixture.t0)
        #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int == 0)
        #expect(try everyFile().firstRange(of: sealedKey) == nil)
        #expect(try everyFile().firstRange(of: try ReversingSealer().seal(mail.message)) == nil)
    }
}
