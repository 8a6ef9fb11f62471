import Foundation
import GRDB
import SealdropCore

/// `UpdateCheckRepository` on SQLite: one state row, one row per announced version.
extension SealdropDatabase: UpdateCheckRepository {
    public func updateCheckState() async throws -> UpdateCheckState {
        try await writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM update_check WHERE id = 1") else { return UpdateCheckState() }
            func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
            var state = UpdateCheckState(lastAcceptedIssuedAt: date("last_accepted_issued_at"), lastCheckedAt: date("last_checked_at"),
                                         lastAcceptedAt: date("last_accepted_at"))
            if let json: String = row["available_json"] { state.available = try Column.decode(UpdateRelease.self, json) }
            if let reason: String = row["failure_reason"], let at = date("failed_at") { state.failure = .init(reason: reason, at: at) }
            return state
        }
    }

    public func saveUpdateCheckState(_ state: UpdateCheckState) async throws {
        let available = try state.available.map { try Column.json($0) }
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO update_check (id, last_accepted_issued_at, last_checked_at, last_accepted_at, available_json, failure_reason, failed_at)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET last_accepted_issued_at = excluded.last_accepted_issued_at,
                    last_checked_at = excluded.last_checked_at, last_accepted_at = excluded.last_accepted_at,
                    available_json = excluded.available_json, failure_reason = excluded.failure_reason, failed_at = excluded.failed_at
                """, arguments: [Column.time(state.lastAcceptedIssuedAt), Column.time(state.lastCheckedAt), Column.time(state.lastAcceptedAt),
                                 available, state.failure?.reason, Column.time(state.failure?.at)])
        }
    }

    public func announceUpdate(version: String, at date: Date, messages: [OutboxMessage]) async throws -> Bool {
        let args = try messages.map(outboxArguments)
        return try await writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO update_announcements (version, announced_at) VALUES (?, ?)",
                           arguments: [version, Column.time(date)])
            guard db.changesCount == 1 else { return false }
            for a in args { try Self.insertOutbox(db, a) }
            return true
        }
    }

    public func announcedUpdateVersions() async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT version FROM update_announcements ORDER BY announced_at, version")
        }
    }
}
