import Foundation
import GRDB
import SealdropCore

/// `VerificationRepository` on SQLite.
extension SealdropDatabase: VerificationRepository {
    public func storeCode(_ c: VerificationCodeRecord, mail: OutboxMessage) async throws {
        let mailArgs = try outboxArguments(mail)
        try await writer.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO verification_codes (email_normalized, client_id, email, code_hash, created_at, expires_at, failed_attempts)
                VALUES (?, ?, ?, ?, ?, ?, 0)
                """, arguments: [c.email.normalized, c.clientId, c.email.address, Data(c.codeHash), Column.time(c.createdAt), Column.time(c.expiresAt)])
            try Self.insertOutbox(db, mailArgs)
        }
    }

    public func code(email: EmailAddress, clientId: String) async throws -> VerificationCodeRecord? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM verification_codes WHERE email_normalized = ? AND client_id = ?",
                                             arguments: [email.normalized, clientId]) else { return nil }
            let hash: Data = row["code_hash"]
            return VerificationCodeRecord(
                email: email, clientId: clientId, codeHash: [UInt8](hash),
                createdAt: Date(timeIntervalSince1970: row["created_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
                failedAttempts: row["failed_attempts"]
            )
        }
    }

    public func recordFailedCodeAttempt(email: EmailAddress, clientId: String) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "UPDATE verification_codes SET failed_attempts = failed_attempts + 1 WHERE email_normalized = ? AND client_id = ?",
                           arguments: [email.normalized, clientId])
            return try Int.fetchOne(db, sql: "SELECT failed_attempts FROM verification_codes WHERE email_normalized = ? AND client_id = ?",
                                    arguments: [email.normalized, clientId]) ?? 0
        }
    }

    public func deleteCode(email: EmailAddress, clientId: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM verification_codes WHERE email_normalized = ? AND client_id = ?", arguments: [email.normalized, clientId])
        }
    }

    public func redeemCode(email: EmailAddress, clientId: String, granting v: VerificationRecord) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM verification_codes WHERE email_normalized = ? AND client_id = ?", arguments: [email.normalized, clientId])
            try db.execute(sql: """
                INSERT INTO verifications (token_hash, email, email_normalized, client_id, created_at, max_valid_until, last_used_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Data(v.tokenHash), v.email.address, v.email.normalized, v.clientId, Column.time(v.createdAt),
                                 Column.time(v.maxValidUntil), Column.time(v.lastUsedAt)])
        }
    }

    public func verification(tokenHash: [UInt8]) async throws -> VerificationRecord? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM verifications WHERE token_hash = ?", arguments: [Data(tokenHash)]) else {
                return nil
            }
            guard let email = EmailAddress(row["email"]) else { throw CorruptRowError(table: "verifications", column: "email") }
            return VerificationRecord(
                tokenHash: tokenHash, email: email, clientId: row["client_id"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]), maxValidUntil: Column.date(row["max_valid_until"]),
                lastUsedAt: Date(timeIntervalSince1970: row["last_used_at"])
            )
        }
    }

    public func deleteVerification(tokenHash: [UInt8]) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM verifications WHERE token_hash = ?", arguments: [Data(tokenHash)])
        }
    }

    public func touchVerification(tokenHash: [UInt8], at date: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE verifications SET last_used_at = ? WHERE token_hash = ?", arguments: [Column.time(date), Data(tokenHash)])
        }
    }

    public func deleteExpiredVerifications(maxValidBefore: Date, idleSince: Date, now: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM verifications WHERE (max_valid_until IS NOT NULL AND max_valid_until < ?) OR last_used_at < ?",
                           arguments: [Column.time(maxValidBefore), Column.time(idleSince)])
            try db.execute(sql: "DELETE FROM verification_codes WHERE expires_at < ?", arguments: [Column.time(now)])
        }
    }

    public func deleteAllVerifications() async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM verifications")
            return db.changesCount
        }
    }
}
