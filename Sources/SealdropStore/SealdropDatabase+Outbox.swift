import Foundation
import GRDB
import SealdropCore

/// `OutboxRepository` on SQLite.
extension SealdropDatabase: OutboxRepository {
    public func enqueue(_ messages: [OutboxMessage]) async throws {
        let args = try messages.map(outboxArguments)
        try await writer.write { db in
            for a in args { try Self.insertOutbox(db, a) }
        }
    }

    public func dueMessages(asOf now: Date, limit: Int) async throws -> [OutboxMessage] {
        try await writer.read { db in
            // Verification codes after everything else, so a flood of code requests cannot delay notifications;
            // `outbox_due` still finds the queued rows, and only those few are sorted.
            try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE state = 'QUEUED' AND next_attempt_at <= ?
                ORDER BY kind = 'verification-code', id LIMIT ?
                """,
                             arguments: [Column.time(now), limit]).map(outbox(from:))
        }
    }

    public func markSent(_ id: Int64, at date: Date) async throws {
        try await writer.write { db in
            // The body is dropped once the relay has it: it may carry a mode-NONE link or a password.
            try db.execute(sql: "UPDATE outbox SET state = 'SENT', attempts = attempts + 1, last_error = NULL, next_attempt_at = ?, message = X'' WHERE id = ?",
                           arguments: [Column.time(date), id])
        }
        await scrubWAL()
    }

    public func markRetry(_ id: Int64, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                           arguments: [attempts, Column.time(nextAttemptAt), error, id])
        }
    }

    public func markFailed(_ id: Int64, attempts: Int, error: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE outbox SET state = 'FAILED', attempts = ?, last_error = ? WHERE id = ?", arguments: [attempts, error, id])
            // The transfer status shows which notifications never arrived (`notificationFailed`).
            try db.execute(sql: """
                UPDATE recipients SET notification_failed = 1
                WHERE tracking_id = (SELECT tracking_id FROM outbox WHERE id = :id AND kind = 'recipient-notification')
                  AND email IN (SELECT value FROM json_each((SELECT envelope_to_json FROM outbox WHERE id = :id)))
                """, arguments: ["id": id])
            try db.execute(sql: """
                UPDATE transfers SET sender_notification_failed = 1
                WHERE tracking_id = (SELECT tracking_id FROM outbox WHERE id = :id AND kind = 'upload-summary')
                """, arguments: ["id": id])
        }
    }

    public func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id DESC LIMIT ?", arguments: [limit]).map(outbox(from:))
        }
    }

    public func queuedCount() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'QUEUED'") ?? 0 }
    }

    public func outboxCounts() async throws -> [OutboxState: Int] {
        try await writer.read { db in
            var counts: [OutboxState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                if let state = OutboxState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    public func outboxMessage(_ id: Int64) async throws -> OutboxMessage? {
        try await writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]).map(outbox(from:)) }
    }

    public func retryFailed(_ id: Int64, now: Date) async throws -> Bool {
        try await writer.write { db in
            // Created anew for the outbox's maximum age, so the retried message gets the full back-off again.
            try db.execute(sql: "UPDATE outbox SET state = 'QUEUED', attempts = 0, next_attempt_at = ?, created_at = ? WHERE id = ? AND state = 'FAILED'",
                           arguments: [Column.time(now), Column.time(now), id])
            return db.changesCount == 1
        }
    }

    // MARK: - Row mapping

    /// The columns of a new outbox row, its body sealed.
    func outboxArguments(_ m: OutboxMessage) throws -> StatementArguments {
        let body = try bodySealer.map { try $0.seal(m.message) } ?? m.message
        return [
            "kind": m.kind, "envelope_from": m.envelopeFrom, "envelope_to_json": try Column.json(m.envelopeTo),
            "subject": m.subject, "message": Data(body), "state": m.state.rawValue, "attempts": m.attempts,
            "created_at": Column.time(m.createdAt), "next_attempt_at": Column.time(m.nextAttemptAt),
            "last_error": m.lastError, "tracking_id": m.trackingId,
        ]
    }

    static func insertOutbox(_ db: Database, _ args: StatementArguments) throws {
        try db.execute(sql: """
            INSERT INTO outbox (kind, envelope_from, envelope_to_json, subject, message, state, attempts, created_at, next_attempt_at, last_error, tracking_id)
            VALUES (:kind, :envelope_from, :envelope_to_json, :subject, :message, :state, :attempts, :created_at, :next_attempt_at, :last_error, :tracking_id)
            """, arguments: args)
    }

    /// An outbox row as a message, its body opened (an empty body — a sent mail's — stays empty).
    func outbox(from row: Row) throws -> OutboxMessage {
        guard let state = OutboxState(rawValue: row["state"]) else { throw CorruptRowError(table: "outbox", column: "state") }
        let stored: Data = row["message"]
        let message: [UInt8]
        do {
            message = stored.isEmpty ? [] : try bodySealer.map { try $0.open([UInt8](stored)) } ?? [UInt8](stored)
        } catch {
            throw CorruptRowError(table: "outbox", column: "message")
        }
        return OutboxMessage(
            id: row["id"], kind: row["kind"], envelopeFrom: row["envelope_from"],
            envelopeTo: try Column.decode([String].self, row["envelope_to_json"]), subject: row["subject"],
            message: message, state: state, attempts: row["attempts"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
            lastError: row["last_error"], trackingId: row["tracking_id"]
        )
    }
}
