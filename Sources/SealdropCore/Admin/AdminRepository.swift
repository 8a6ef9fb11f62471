import Foundation

/// Storage of administrator accounts, sessions, API tokens, the audit log and the persisted settings.
public protocol AdminRepository: Sendable {
    func adminAccounts() async throws -> [AdminAccount]
    func adminAccount(named name: String) async throws -> AdminAccount?
    /// Inserts a new account; `false` if the name is taken.
    func insertAdminAccount(_ account: AdminAccount) async throws -> Bool
    func updateAdminAccount(_ account: AdminAccount) async throws

    func insertAdminSession(_ session: AdminSession) async throws
    func adminSession(tokenHash: [UInt8]) async throws -> AdminSession?
    func updateAdminSession(_ session: AdminSession) async throws
    func deleteAdminSession(tokenHash: [UInt8]) async throws
    /// Signs an account out everywhere (disabled, password reset).
    func deleteAdminSessions(accountName: String) async throws
    func deleteAdminSessions(idleSince: Date) async throws

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

    /// The settings administrators saved (a JSON object), if any.
    func persistedSettings() async throws -> String?
    func persistSettings(_ json: String, at: Date) async throws
}
