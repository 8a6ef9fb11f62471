import Dispatch
import Foundation
import GRDB
import Logging
import SealdropCore
@testable import SealdropServices
import SealdropStore
import Testing

/// The sign-in under attack: parallel guesses against the lock-out, what a refusal reveals, bcrypt's 72-byte
/// limit, and the absolute session lifetime.
@Suite struct AdminSignInHardeningTests {
    typealias Fixture = AdminServicesTests.Fixture

    /// Runs `login` while the only bcrypt thread is held, and reports whether it asked for a bcrypt run before
    /// it finished; then lets everything go and returns how it ended.
    static func bcryptWasRun(_ f: Fixture, whileHeld login: @escaping @Sendable () async throws -> Void) async throws -> (ranBcrypt: Bool, error: (any Error)?) {
        let gate = DispatchSemaphore(value: 0)
        let holding = Shared(false)
        let blocker = Task { try await f.kdf.run { holding.update { $0 = true }; gate.wait() } }
        await until { holding.current }
        let finished = Shared(false)
        let attempt = Task { () -> (any Error)? in
            defer { finished.update { $0 = true } }
            do { try await login() } catch { return error }
            return nil
        }
        await until { f.kdf.queuedCount == 1 || finished.current }
        let ranBcrypt = f.kdf.queuedCount == 1
        gate.signal()
        try await blocker.value
        return (ranBcrypt, await attempt.value)
    }

    @Test func parallelWrongPasswordsAreAllCountedAndLockTheAccount() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "tara", role: .administrator, password: "tara's right password", by: "test")
        let attempts = 32
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<attempts {
                group.addTask {
                    await #expect(throws: (any Error).self) { try await f.accounts.login(name: "tara", password: "guess \(i)", from: nil) }
                }
            }
            try await group.waitForAll()
        }
        let counted = try await f.queue.read { try Int.fetchOne($0, sql: "SELECT failed_attempts FROM admin_accounts WHERE name = 'tara'") }
        #expect(counted == attempts)
        let lockedUntil = try #require(try await f.database.adminAccount(named: "tara")?.lockedUntil)
        #expect(lockedUntil > f.clock.now)
        // The right password is refused now, and without a word about the lock.
        await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "tara", password: "tara's right password", from: nil) }
        await #expect(throws: AdminError.accountLocked(until: lockedUntil)) {
            try await f.accounts.verifyPassword(name: "tara", password: "tara's right password", from: nil, now: f.clock.now)
        }
        let actions = try await f.database.recentAuditEntries(limit: 100).map(\.action)
        #expect(actions.filter { $0 == "admin.locked" }.count == 1)
        #expect(try await f.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM admin_sessions") } == 0)
    }

    @Test func aRightPasswordDoesNotSignInWhenTheAccountWasLockedWhileBcryptRan() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "uwe", role: .administrator, password: "uwe's right password", by: "test")
        let gate = DispatchSemaphore(value: 0)
        let holding = Shared(false)
        let blocker = Task { try await f.kdf.run { holding.update { $0 = true }; gate.wait() } }
        await until { holding.current }
        let login = Task { try await f.accounts.login(name: "uwe", password: "uwe's right password", from: nil) }
        // The account was read unlocked and its bcrypt run waits; meanwhile parallel guesses lock it.
        await until { f.kdf.queuedCount == 1 }
        let lockEnd = f.clock.now.addingTimeInterval(900)
        try await f.queue.write { try $0.execute(sql: "UPDATE admin_accounts SET locked_until = ? WHERE name = 'uwe'", arguments: [lockEnd.timeIntervalSince1970]) }
        gate.signal()
        try await blocker.value
        await #expect(throws: AdminError.invalidCredentials) { try await login.value }
        #expect(try await f.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM admin_sessions") } == 0)
        let stillLocked = try #require(try await f.database.adminAccount(named: "uwe")?.lockedUntil)
        #expect(abs(stillLocked.timeIntervalSince(lockEnd)) < 0.001)
        #expect(try await f.database.recentAuditEntries(limit: 5).contains { $0.action == "login.refused-locked" })
    }

    @Test func unknownNamesAndLockedAccountsGetTheSameAnswerAfterABcryptRun() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "vera", role: .administrator, password: "vera's right password", by: "test")
        try await f.queue.write {
            try $0.execute(sql: "UPDATE admin_accounts SET locked_until = ? WHERE name = 'vera'", arguments: [f.clock.now.addingTimeInterval(900).timeIntervalSince1970])
        }
        let cases: [(String, String, String)] = [
            ("unknown name", "nobody-here", "whatever it is"),
            ("locked, right password", "vera", "vera's right password"),
            ("locked, wrong password", "vera", "not vera's password"),
            ("too long for bcrypt", "vera", String(repeating: "v", count: 100)),
        ]
        for (label, name, password) in cases {
            let result = try await Self.bcryptWasRun(f) { _ = try await f.accounts.login(name: name, password: password, from: nil) }
            #expect(result.ranBcrypt, "\(label)")
            #expect(result.error as? AdminError == .invalidCredentials, "\(label)")
        }
    }

    @Test func passwordsLongerThanTheBytesBcryptReadsAreRefused() async throws {
        let f = try Fixture()
        let seventyTwo = String(repeating: "a", count: 70) + "ß"  // 70 + 2 bytes
        try await f.accounts.create(name: "walt", role: .administrator, password: seventyTwo, by: "test")
        for tooLong in [String(repeating: "a", count: 73), String(repeating: "é", count: 37)] {
            do {
                try await f.accounts.create(name: "xena", role: .configAdmin, password: tooLong, by: "test")
                Issue.record("a password of \(tooLong.utf8.count) bytes was accepted")
            } catch AdminError.invalid(let problems) {
                #expect(problems.map(\.field) == ["password"])
                #expect(problems.first?.message.contains("72 bytes") == true)
            }
            await #expect(throws: AdminError.self) { try await f.accounts.resetPassword("walt", to: tooLong, by: "test") }
        }
        #expect(try await f.database.adminAccount(named: "xena") == nil)
        // bcrypt would accept anything that starts with the 72 stored bytes; the sign-in does not.
        await #expect(throws: AdminError.invalidCredentials) { try await f.accounts.login(name: "walt", password: seventyTwo + "anything", from: nil) }
        #expect(try await f.database.adminAccount(named: "walt")?.failedAttempts == 1)
        _ = try await f.accounts.login(name: "walt", password: seventyTwo, from: nil)
    }

    @Test func sessionsEndTwelveHoursAfterSignInHoweverActive() async throws {
        let f = try Fixture()
        try await f.accounts.create(name: "yann", role: .administrator, password: "yann's right password", by: "test")
        let login = try await f.accounts.login(name: "yann", password: "yann's right password", from: nil)
        // A request every 20 minutes keeps it from going idle, but not beyond 12 hours.
        for _ in 0..<35 {
            f.clock.advance(20 * 60)
            #expect(try await f.accounts.session(cookie: login.cookie) != nil)
        }
        f.clock.advance(20 * 60 - 1)
        #expect(try await f.accounts.session(cookie: login.cookie) != nil)
        f.clock.advance(2)
        #expect(try await f.accounts.session(cookie: login.cookie) == nil)
        #expect(try await f.database.adminSession(tokenHash: AdminAccounts.digest(login.cookie)) == nil)
        // Signing in again opens a fresh one and removes other sessions past the lifetime.
        let old = try await f.accounts.login(name: "yann", password: "yann's right password", from: nil)
        f.clock.advance(11 * 3600)
        _ = try await f.accounts.session(cookie: old.cookie)
        f.clock.advance(3601)
        _ = try await f.accounts.login(name: "yann", password: "yann's right password", from: nil)
        #expect(try await f.database.adminSession(tokenHash: AdminAccounts.digest(old.cookie)) == nil)
    }
}
