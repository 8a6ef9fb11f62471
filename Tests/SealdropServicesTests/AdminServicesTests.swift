import Crypto
import Foundation
import GRDB
import Logging
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import SealdropStore
import Testing

/// Administrator accounts, the hash-chained audit log and the persisted run-time settings, on real SQLite.
@Suite struct AdminServicesTests {
    /// A database whose writer the test keeps, so it can tamper with rows like an intruder with file access.
    struct Fixture {
        let queue: DatabaseQueue
        let database: SealdropDatabase
        let audit: AuditLog
        let accounts: AdminAccounts
        let kdf = KeyDerivationRunner(maxConcurrent: 1)
        let serverKey: ServerKey
        let clock = TestClock(Date())

        init(policy: AdminAccounts.Policy = .init()) throws {
            queue = try DatabaseQueue()
            database = try SealdropDatabase(writer: queue, bodySealer: nil)
            audit = AuditLog(repository: database)
            serverKey = try ServerKey(key: SymmetricKey(size: .bits256))
            accounts = AdminAccounts(repository: database, audit: audit, hasher: AdminPasswordHasher(cost: 4, kdf: kdf), policy: policy,
                                     logger: Logger(label: "sealdrop.tests"), now: clock.closure)
        }
    }

    @Test func bootstrapCreatesOneAdministratorOnce() async throws {
        let f = try Fixture()
        let first = try #require(try await f.accounts.bootstrap(password: nil))
        let generated = try #require(first.generatedPassword)
        #expect(first.name == "admin" && generated.count >= 20)
        #expect(try await f.accounts.bootstrap(password: "another long password") == nil)
        let stored = try #require(try await f.database.adminAccount(named: "admin"))
        #expect(stored.role == .administrator)
        #expect(stored.passwordHash.hasPrefix("$2b$04$") && !stored.passwordHash.contains(generated))
        #expect(try await f.accounts.login(name: "admin", password: generated, from: "127.0.0.1").account.name == "admin")
        let given = try Fixture()
        #expect(try await given.accounts.bootstrap(password: "the operator's choice")?.generatedPassword == nil)
        #expect(try await given.accounts.login(name: "ADMIN", password: "the operator's choice", from: nil).account.name == "admin")
    }

    @Test func theLockEndsAfterItsPeriodAndARightPasswordResetsTheCount() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "olga", role: .administrator, password: "olga's password!", by: "test")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for _ in 1...4 { await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "olga", password: "nope", from: nil, now: start) } }
        // A right password before the fifth failure resets the count.
        _ = try await f.accounts.login(name: "olga", password: "olga's password!", from: nil, now: start)
        for _ in 1...4 { await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "olga", password: "nope", from: nil, now: start) } }
        // The sign-in answer does not say "locked" (that would tell which names exist); the account row does.
        await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "olga", password: "nope", from: nil, now: start) }
        #expect(try await f.database.adminAccount(named: "olga")?.lockedUntil == start.addingTimeInterval(15 * 60))
        await #expect(throws: AdminError.invalidCredentials) {
            try await f.accounts.login(name: "olga", password: "olga's password!", from: nil, now: start.addingTimeInterval(14 * 60))
        }
        await #expect(throws: AdminError.accountLocked(until: start.addingTimeInterval(15 * 60))) {
            try await f.accounts.verifyPassword(name: "olga", password: "olga's password!", from: nil, now: start.addingTimeInterval(14 * 60))
        }
        _ = try await f.accounts.login(name: "olga", password: "olga's password!", from: nil, now: start.addingTimeInterval(15 * 60 + 1))
        // After a lock ran out, counting starts again: one wrong password does not lock at once.
        let later = start.addingTimeInterval(3600)
        for _ in 1...4 { await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "olga", password: "nope", from: nil, now: later) } }
        await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "olga", password: "nope", from: nil, now: later) }
        let afterLock = later.addingTimeInterval(15 * 60 + 1)
        await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "olga", password: "nope", from: nil, now: afterLock) }
        #expect(try await f.database.adminAccount(named: "olga")?.lockedUntil == nil)
        _ = try await f.accounts.login(name: "olga", password: "olga's password!", from: nil, now: afterLock)
    }

    @Test func oneAddressGetsThirtyPasswordChecksAMinute() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "quinn", role: .administrator, password: "quinn's password", by: "test")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<30 {
            await #expect(throws: AdminError.invalidCredentials) {
                try await f.accounts.login(name: "ghost\(i)", password: "x", from: "198.51.100.7", now: start)
            }
        }
        await #expect(throws: AdminError.tooManyAttempts) {
            try await f.accounts.login(name: "quinn", password: "quinn's password", from: "198.51.100.7", now: start)
        }
        // Other addresses are not affected, and the address may try again a minute later.
        _ = try await f.accounts.login(name: "quinn", password: "quinn's password", from: "198.51.100.8", now: start)
        _ = try await f.accounts.login(name: "quinn", password: "quinn's password", from: "198.51.100.7", now: start.addingTimeInterval(61))
    }

    @Test func reauthenticationOpensNoSecondSession() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "rita", role: .administrator, password: "rita's password!", by: "test")
        let login = try await f.accounts.login(name: "rita", password: "rita's password!", from: nil)
        let later = Date().addingTimeInterval(600)
        #expect(!f.accounts.isRecentlyAuthenticated(login.session, now: later))
        let refreshed = try await f.accounts.reauthenticate(login.session, password: "rita's password!", from: nil, now: later)
        #expect(f.accounts.isRecentlyAuthenticated(refreshed, now: later))
        let sessions = try await f.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM admin_sessions") }
        #expect(sessions == 1)
        await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.reauthenticate(login.session, password: "nope", from: nil) }
    }

    @Test func sessionsExpireWhenIdleAndEndWithTheAccount() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "pia", role: .configAdmin, password: "pia's password!!", by: "test")
        let start = Date()
        let login = try await f.accounts.login(name: "pia", password: "pia's password!!", from: nil, now: start)
        #expect(try await f.accounts.session(cookie: login.cookie, now: start.addingTimeInterval(29 * 60)) != nil)
        // Activity at minute 29 keeps it alive until minute 59.
        #expect(try await f.accounts.session(cookie: login.cookie, now: start.addingTimeInterval(58 * 60)) != nil)
        #expect(try await f.accounts.session(cookie: login.cookie, now: start.addingTimeInterval(120 * 60)) == nil)
        #expect(try await f.accounts.session(cookie: "x" + login.cookie.dropFirst(), now: start) == nil)
        let again = try await f.accounts.login(name: "pia", password: "pia's password!!", from: nil)
        #expect(f.accounts.isRecentlyAuthenticated(again.session))
        #expect(!f.accounts.isRecentlyAuthenticated(again.session, now: Date().addingTimeInterval(6 * 60)))
        try await f.accounts.create(name: "root", role: .administrator, password: "root's password!", by: "test")
        try await f.accounts.setDisabled("pia", true, by: "root")
        #expect(try await f.accounts.session(cookie: again.cookie) == nil)
        await #expect(throws: AdminError.accountDisabled) { try await f.accounts.login(name: "pia", password: "pia's password!!", from: nil) }
    }

    @Test func theAuditChainVerifiesAndNamesTheFirstEditedOrDeletedRow() async throws {
        let f = try Fixture()
        for i in 1...30 {
            try await f.audit.record(actor: "admin", action: "settings.change", target: "policy.maxRetentionDays", old: "\(i)", new: "\(i + 1)")
        }
        #expect(try await f.audit.verify() == .intact(count: 30))
        // The table refuses edits from SQL as long as its triggers exist…
        #expect(throws: (any Error).self) { try f.queue.write { try $0.execute(sql: "UPDATE audit_log SET new_value = '99' WHERE id = 12") } }
        #expect(throws: (any Error).self) { try f.queue.write { try $0.execute(sql: "DELETE FROM audit_log WHERE id = 12") } }
        // …and an intruder who drops them is caught by the chain.
        try await f.queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: "UPDATE audit_log SET new_value = '99' WHERE id = 12")
        }
        guard case .broken(let id, let reason) = try await f.audit.verify() else { Issue.record("tampering not detected"); return }
        #expect(id == 12 && reason.contains("do not match their digest"))
        // Rewriting the row's own digest and hash does not help: the next row points at the old one.
        let recomputed = try await f.queue.read { db -> (digest: String, hash: String) in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM audit_log WHERE id = 12"))
            var entry = AuditEntry(id: 12, at: Date(timeIntervalSince1970: Double(row["at_ms"] as Int64) / 1000), actor: row["actor"], action: row["action"],
                                   target: row["target"], oldValue: row["old_value"], newValue: row["new_value"], previousHash: row["previous_hash"], hash: "")
            entry.detailsDigest = AuditLog.hash("", entry.detailsBytes())
            return (entry.detailsDigest!, AuditLog.hash(entry.previousHash, entry.canonicalBytes()))
        }
        try await f.queue.write {
            try $0.execute(sql: "UPDATE audit_log SET details_digest = ?, hash = ? WHERE id = 12", arguments: [recomputed.digest, recomputed.hash])
        }
        #expect(try await f.audit.verify() == .broken(id: 13, reason: "does not point at the hash of row 12"))
        let other = try Fixture()
        for i in 1...5 { try await other.audit.record(actor: "a", action: "x", target: "\(i)") }
        try await other.queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: "DELETE FROM audit_log WHERE id = 3")
        }
        #expect(try await other.audit.verify() == .broken(id: 4, reason: "row 3 is missing (deleted?)"))
    }

    @Test func concurrentAppendsKeepOneUnbrokenChain() async throws {
        let f = try Fixture()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask { try await f.audit.record(actor: "a\(i)", action: "x", target: "t") }
            }
            try await group.waitForAll()
        }
        #expect(try await f.audit.verify() == .intact(count: 40))
    }

    @Test func changesMadeAtTheSameTimeAreAllKept() async throws {
        let f = try Fixture()
        let store = SettingsStore(SealdropSettings())
        let runtime = RuntimeSettings(store: store, repository: f.database, audit: f.audit, serverKey: f.serverKey, pinnedJSON: nil,
                                      logger: Logger(label: "sealdrop.tests"))
        // Each change reads the live rules, appends one and writes them back (with a database write in between):
        // interleaved, all but the last would be lost.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await runtime.apply(actor: "admin\(i)") { (s: inout SealdropSettings) throws(AdminError) in
                        s.policyRules.rules.append(PolicyRule(name: "rule \(i)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(Set(store.current.policyRules.rules.map(\.name)) == Set((0..<20).map { "rule \($0)" }))
        let persisted = try #require(try await f.database.persistedSettings())
        #expect((0..<20).allSatisfy { persisted.contains("rule \($0)\"") })
    }

    @Test func savedSettingsComeBackUnderTheConfigurationFilesPins() async throws {
        let f = try Fixture()
        let logger = Logger(label: "sealdrop.tests")
        let pinned = #"{"policy": {"maxRetentionDays": 20}}"#
        let store = SettingsStore(try SettingsJSON.decode(SettingsJSON.object(pinned)!))
        let runtime = RuntimeSettings(store: store, repository: f.database, audit: f.audit, serverKey: f.serverKey, pinnedJSON: pinned, logger: logger)
        #expect(runtime.pinnedKeys == ["policy.maxRetentionDays"])
        #expect(runtime.isPinned("policy") && runtime.isPinned("policy.maxRetentionDays") && !runtime.isPinned("policy.maxTotalSize"))
        await #expect(throws: AdminError.pinned("policy.maxRetentionDays")) {
            try await runtime.apply(actor: "t") { (s: inout SealdropSettings) throws(AdminError) in s.policy.maxRetentionDays = 30 }
        }
        let changed = try await runtime.apply(actor: "t") { (s: inout SealdropSettings) throws(AdminError) in
            s.policy.defaultRetentionDays = 5
            s.password.minimumLength = 12
        }
        #expect(changed == ["password.minimumLength", "policy.defaultRetentionDays"])
        await #expect(throws: AdminError.self) {
            try await runtime.apply(actor: "t") { (s: inout SealdropSettings) throws(AdminError) in s.password.maximumLength = 3 }
        }
        #expect(store.current.password.maximumLength == 64)

        // Next start: the file now pins a different retention; saved values fill in the rest.
        let nextPinned = #"{"policy": {"maxRetentionDays": 10}}"#
        let nextStore = SettingsStore(try SettingsJSON.decode(SettingsJSON.object(nextPinned)!))
        let next = RuntimeSettings(store: nextStore, repository: f.database, audit: f.audit, serverKey: f.serverKey, pinnedJSON: nextPinned, logger: logger)
        try await next.loadPersisted()
        #expect(nextStore.current.policy.maxRetentionDays == 10)
        #expect(nextStore.current.policy.defaultRetentionDays == 5)
        #expect(nextStore.current.password.minimumLength == 12)
        let rows = try await f.database.recentAuditEntries(limit: 10)
        #expect(rows.filter { $0.action == "settings.change" }.count == 2)
    }

    @Test func masking() throws {
        let relay = try #require(SettingsJSON.masked("mail.relayURL", "smtp://u:secret@h:25"))
        #expect(!relay.contains("secret") && relay.hasPrefix("smtp://u:") && relay.hasSuffix("@h:25"))
        #expect(SettingsJSON.masked("ldap.bindPassword", "hunter2") == "••••")
        #expect(SettingsJSON.masked("password.minimumLength", "8") == "8")
        #expect(SettingsJSON.masked("policy.allowedPasswordModes", "[\"NONE\"]") == "[\"NONE\"]")
        #expect(SettingsJSON.masked("policy.generatedPasswordInUploadSummary", "true") == "true")
    }
}
