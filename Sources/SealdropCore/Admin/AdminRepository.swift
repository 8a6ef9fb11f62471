import Foundation

/// Storage of administrator accounts, sessions, API tokens, the audit log and the persisted settings.
public protocol AdminRepository: Sendable {
    func adminAccounts() async throws -> [AdminAccount]
    func adminAccount(named name: String) async throws -> AdminAccount?
    /// Inserts a new account; `false` if the name is taken.
    func insertAdminAccount(_ account: AdminAccount) async throws -> Bool
    func updateAdminAccount(_ account: AdminAccount) async throws
    /// Counts one wrong password in a single statement, so concurrent attempts cannot overwrite each other's count:
    /// a lock that has run out starts a new count; reaching `maxFailures` locks the account until `lockUntil`
    /// (an active lock is kept as it is). Nil for an unknown account.
    func recordAdminLoginFailure(name: String, maxFailures: Int, lockUntil: Date, now: Date) async throws -> AdminLoginFailure?
    /// Clears the count and records the login, in a single statement and only if the account is not locked at
    /// `now`: `false` when a lock was set meanwhile (the password must then not sign in).
    func recordAdminLoginSuccess(name: String, now: Date) async throws -> Bool

    func insertAdminSession(_ session: AdminSession) async throws
    func adminSession(tokenHash: [UInt8]) async throws -> AdminSession?
    func updateAdminSession(_ session: AdminSession) async throws
    func deleteAdminSession(tokenHash: [UInt8]) async throws
    /// Signs an account out everywhere (disabled, password reset).
    func deleteAdminSessions(accountName: String) async throws
    /// Removes sessions idle since `idleSince` or opened before `createdBefore`.
    func deleteAdminSessions(idleSince: Date, createdBefore: Date) async throws

    func insertAdminToken(_ token: AdminAPIToken) async throws -> Int64
    func adminToken(tokenHash: [UInt8]) async throws -> AdminAPIToken?
    func adminTokens() async throws -> [AdminAPIToken]
    func touchAdminToken(id: Int64, at: Date) async throws
    func deleteAdminToken(id: Int64) async throws

    /// Appends records in one transaction, chaining each to the last row; `hash` computes a row's hash
    /// from the previous hash and the row's canonical bytes.
    func appendAudit(_ records: [AuditRecord], at: Date, hash: @Sendable (String, [UInt8]) -> String) async throws
    /// Rows in id order from `afterId` (exclusive), at most `limit`.
    func auditEntries(afterId: Int64, limit: Int) async throws -> [AuditEntry]
    /// The newest rows first.
    func recentAuditEntries(limit: Int) async throws -> [AuditEntry]
    /// The newest rows of one action at or after `since` first.
    func recentAuditEntries(action: String, since: Date, limit: Int) async throws -> [AuditEntry]

    /// The settings administrators saved (a JSON object), if any.
    func persistedSettings() async throws -> String?
    func persistSettings(_ json: String, at: Date) async throws
}

/// The state of an account right after a wrong password was counted.
public struct AdminLoginFailure: Sendable, Equatable {
    /// Wrong passwords since the last successful login or since the last lock ran out, this one included.
    public var failedAttempts: Int
    /// Set when the account is locked now (by this attempt or an earlier one).
    public var lockedUntil: Date?

    public init(failedAttempts: Int, lockedUntil: Date?) {
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
    }
}
