import Foundation
import GRDB
import SealdropCore

/// `AdminRepository` on SQLite.
extension SealdropDatabase: AdminRepository {
    public func adminAccounts() async throws -> [AdminAccount] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM admin_accounts ORDER BY name").map(Self.account(from:))
        }
    }

    public func adminAccount(named name: String) async throws -> AdminAccount? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admin_accounts WHERE name = ?", arguments: [name]).map(Self.account(from:))
        }
    }

    public func insertAdminAccount(_ account: AdminAccount) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO admin_accounts (name, role, password_hash, disabled, failed_attempts, locked_until, created_at, last_login_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [account.name, account.role.rawValue, account.passwordHash, account.disabled, account.failedAttempts,
                                 Column.time(account.lockedUntil), Column.time(account.createdAt), Column.time(account.lastLoginAt)])
            return db.changesCount == 1
        }
    }

    public func updateAdminAccount(_ account: AdminAccount) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE admin_accounts SET role = ?, password_hash = ?, disabled = ?, failed_attempts = ?, locked_until = ?, last_login_at = ?
                WHERE name = ?
                """, arguments: [account.role.rawValue, account.passwordHash, account.disabled, account.failedAttempts,
                                 Column.time(account.lockedUntil), Column.time(account.lastLoginAt), account.name])
        }
    }

    public func recordAdminLoginFailure(name: String, maxFailures: Int, lockUntil: Date, now: Date) async throws -> AdminLoginFailure? {
        try await writer.write { db in
            // Right-hand sides see the row before the update; `restart` is 1 when a lock has run out.
            let row = try Row.fetchOne(db, sql: """
                UPDATE admin_accounts SET
                    failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= :now THEN 1 ELSE failed_attempts + 1 END,
                    locked_until = CASE
                        WHEN locked_until > :now THEN locked_until
                        WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= :now THEN 1 ELSE failed_attempts + 1 END) >= :max THEN :until
                        ELSE NULL END
                WHERE name = :name
                RETURNING failed_attempts, locked_until
                """, arguments: ["now": Column.time(now), "max": maxFailures, "until": Column.time(lockUntil), "name": name])
            return row.map { AdminLoginFailure(failedAttempts: $0["failed_attempts"], lockedUntil: Column.date($0["locked_until"])) }
        }
    }

    public func recordAdminLoginSuccess(name: String, now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE admin_accounts SET failed_attempts = 0, locked_until = NULL, last_login_at = :now
                WHERE name = :name AND (locked_until IS NULL OR locked_until <= :now)
                """, arguments: ["now": Column.time(now), "name": name])
            return db.changesCount == 1
        }
    }

    public func insertAdminSession(_ session: AdminSession) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO admin_sessions (token_hash, account_name, csrf_token, created_at, last_seen_at, authenticated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [Data(session.tokenHash), session.accountName, session.csrfToken, Column.time(session.createdAt),
                                 Column.time(session.lastSeenAt), Column.time(session.authenticatedAt)])
        }
    }

    public func adminSession(tokenHash: [UInt8]) async throws -> AdminSession? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admin_sessions WHERE token_hash = ?", arguments: [Data(tokenHash)]).map { row in
                AdminSession(tokenHash: [UInt8](row["token_hash"] as Data), accountName: row["account_name"], csrfToken: row["csrf_token"],
                             createdAt: Date(timeIntervalSince1970: row["created_at"]), lastSeenAt: Date(timeIntervalSince1970: row["last_seen_at"]),
                             authenticatedAt: Date(timeIntervalSince1970: row["authenticated_at"]))
            }
        }
    }

    public func updateAdminSession(_ session: AdminSession) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE admin_sessions SET last_seen_at = ?, authenticated_at = ? WHERE token_hash = ?",
                           arguments: [Column.time(session.lastSeenAt), Column.time(session.authenticatedAt), Data(session.tokenHash)])
        }
    }

    public func deleteAdminSession(tokenHash: [UInt8]) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM admin_sessions WHERE token_hash = ?", arguments: [Data(tokenHash)])
        }
    }

    public func deleteAdminSessions(accountName: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM admin_sessions WHERE account_name = ?", arguments: [accountName])
        }
    }

    public func deleteAdminSessions(idleSince: Date, createdBefore: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM admin_sessions WHERE last_seen_at < ? OR created_at < ?",
                           arguments: [Column.time(idleSince), Column.time(createdBefore)])
        }
    }

    public func insertAdminToken(_ token: AdminAPIToken) async throws -> Int64 {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO admin_tokens (token_hash, label, role, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Data(token.tokenHash), token.label, token.role.rawValue, token.createdBy, Column.time(token.createdAt)])
            return db.lastInsertedRowID
        }
    }

    public func adminToken(tokenHash: [UInt8]) async throws -> AdminAPIToken? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admin_tokens WHERE token_hash = ?", arguments: [Data(tokenHash)]).map(Self.token(from:))
        }
    }

    public func adminTokens() async throws -> [AdminAPIToken] {
        try await writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM admin_tokens ORDER BY id").map(Self.token(from:)) }
    }

    public func touchAdminToken(id: Int64, at date: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE admin_tokens SET last_used_at = ? WHERE id = ?", arguments: [Column.time(date), id])
        }
    }

    public func deleteAdminToken(id: Int64) async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM admin_tokens WHERE id = ?", arguments: [id]) }
    }

    public func appendAudit(_ records: [AuditRecord], at date: Date, hash: @Sendable (String, [UInt8]) -> String) async throws {
        guard !records.isEmpty else { return }
        try await writer.write { db in
            // One writer at a time: the last row read here is the last row when this transaction commits.
            let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            var id: Int64 = last?["id"] ?? 0
            var previous: String = last?["hash"] ?? AuditEntry.genesisHash
            let at = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
            for record in records {
                id += 1
                var entry = AuditEntry(id: id, at: at, actor: record.actor, action: record.action, target: record.target,
                                       oldValue: record.oldValue, newValue: record.newValue, previousHash: previous, hash: "")
                // The details' digest is SHA-256 of their bytes alone (`hash` with an empty predecessor).
                entry.detailsDigest = hash("", entry.detailsBytes())
                entry.hash = hash(previous, entry.canonicalBytes())
                try db.execute(sql: """
                    INSERT INTO audit_log (id, at_ms, actor, action, target, old_value, new_value, previous_hash, hash, link, details_digest)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, Int64((at.timeIntervalSince1970 * 1000).rounded()), entry.actor, entry.action, entry.target,
                                     entry.oldValue, entry.newValue, entry.previousHash, entry.hash, entry.link, entry.detailsDigest])
                previous = entry.hash
            }
        }
    }

    public func auditEntries(afterId: Int64, limit: Int) async throws -> [AuditEntry] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterId, limit]).map(Self.audit(from:))
        }
    }

    public func recentAuditEntries(limit: Int) async throws -> [AuditEntry] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.audit(from:))
        }
    }

    public func recentAuditEntries(action: String, since: Date, limit: Int) async throws -> [AuditEntry] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE action = ? AND at_ms >= ? ORDER BY id DESC LIMIT ?",
                             arguments: [action, Int64((since.timeIntervalSince1970 * 1000).rounded()), limit]).map(Self.audit(from:))
        }
    }

    public func persistedSettings() async throws -> String? {
        try await writer.read { db in try String.fetchOne(db, sql: "SELECT json FROM runtime_settings WHERE id = 1") }
    }

    public func persistSettings(_ json: String, at date: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO runtime_settings (id, json, updated_at) VALUES (1, ?, ?)
                ON CONFLICT(id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
                """, arguments: [json, Column.time(date)])
        }
    }

    // MARK: - Row mapping

    static func account(from row: Row) throws -> AdminAccount {
        guard let role = AdminRole(rawValue: row["role"]) else { throw CorruptRowError(table: "admin_accounts", column: "role") }
        return AdminAccount(name: row["name"], role: role, passwordHash: row["password_hash"], disabled: row["disabled"],
                            failedAttempts: row["failed_attempts"], lockedUntil: Column.date(row["locked_until"]),
                            createdAt: Date(timeIntervalSince1970: row["created_at"]), lastLoginAt: Column.date(row["last_login_at"]))
    }

    static func token(from row: Row) throws -> AdminAPIToken {
        guard let role = AdminRole(rawValue: row["role"]) else { throw CorruptRowError(table: "admin_tokens", column: "role") }
        return AdminAPIToken(id: row["id"], tokenHash: [UInt8](row["token_hash"] as Data), label: row["label"], role: role,
                             createdBy: row["created_by"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                             lastUsedAt: Column.date(row["last_used_at"]))
    }

    static func audit(from row: Row) -> AuditEntry {
        let ms: Int64 = row["at_ms"]
        return AuditEntry(id: row["id"], at: Date(timeIntervalSince1970: Double(ms) / 1000), actor: row["actor"], action: row["action"],
                          target: row["target"], oldValue: row["old_value"], newValue: row["new_value"],
                          previousHash: row["previous_hash"], hash: row["hash"], link: row["link"], detailsDigest: row["details_digest"],
                          detailsPurgedAt: Column.date(row["details_purged_at"]))
    }
}
