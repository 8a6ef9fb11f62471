import Foundation
import GRDB
import SealdropCore

/// `ArchiveRepository` on SQLite.
extension SealdropDatabase: ArchiveRepository {
    public func dueArchiveJobs(asOf date: Date, limit: Int) async throws -> [ArchiveJob] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM archive_jobs WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, tracking_id LIMIT ?
                """, arguments: [Column.time(date), limit]).map(Self.archiveJob(from:))
        }
    }

    public func archiveJob(_ trackingId: TrackingID) async throws -> ArchiveJob? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM archive_jobs WHERE tracking_id = ?", arguments: [trackingId.rawValue]).map(Self.archiveJob(from:))
        }
    }

    public func archiveJobs(states: Set<ArchiveJob.State>?, limit: Int, offset: Int) async throws -> [ArchiveJob] {
        let names = (states ?? Set(ArchiveJob.State.allCases)).map(\.rawValue).sorted()
        guard !names.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM archive_jobs WHERE state IN (\(marks)) ORDER BY created_at DESC, tracking_id DESC LIMIT ? OFFSET ?",
                             arguments: StatementArguments(names) + [limit, offset]).map(Self.archiveJob(from:))
        }
    }

    public func archiveJobCounts() async throws -> [ArchiveJob.State: Int] {
        try await writer.read { db in
            var counts: [ArchiveJob.State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM archive_jobs GROUP BY state") {
                if let state = ArchiveJob.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    public func markArchived(_ trackingId: TrackingID, attempts: Int, at date: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE archive_jobs SET state = 'archived', attempts = ?, archived_at = ?, last_error = NULL, sealed_key = NULL
                WHERE tracking_id = ?
                """, arguments: [attempts, Column.time(date), trackingId.rawValue])
        }
        // The transfer key is gone from the row; `secure_delete` and the truncated WAL keep it out of the files.
        await scrubWAL()
    }

    public func markArchiveRetry(_ trackingId: TrackingID, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE archive_jobs SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE tracking_id = ? AND state = 'pending'",
                           arguments: [attempts, Column.time(nextAttemptAt), error, trackingId.rawValue])
        }
    }

    public func markArchiveFailed(_ trackingId: TrackingID, attempts: Int, error: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE archive_jobs SET state = 'failed', attempts = ?, last_error = ? WHERE tracking_id = ? AND state = 'pending'",
                           arguments: [attempts, error, trackingId.rawValue])
        }
    }

    public func retryArchiveJob(_ trackingId: TrackingID, at date: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "UPDATE archive_jobs SET state = 'pending', next_attempt_at = ? WHERE tracking_id = ? AND state IN ('pending', 'failed')",
                           arguments: [Column.time(date), trackingId.rawValue])
            return db.changesCount > 0
        }
    }

    public func retryWaitingArchiveJobs(at date: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "UPDATE archive_jobs SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?",
                           arguments: [Column.time(date), Column.time(date)])
            return db.changesCount
        }
    }

    public func unarchivedTrackingIds() async throws -> Set<String> {
        try await writer.read { db in Set(try String.fetchAll(db, sql: "SELECT tracking_id FROM archive_jobs WHERE state <> 'archived'")) }
    }

    // MARK: - Row mapping

    static func archiveJobArguments(_ job: ArchiveJob) throws -> StatementArguments {
        [
            "tracking_id": job.trackingId.rawValue, "state": job.state.rawValue, "mode": job.mode.rawValue,
            "entries_json": try Column.json(job.entries), "sealed_key": Column.data(job.sealedKey), "attempts": job.attempts,
            "next_attempt_at": Column.time(job.nextAttemptAt), "last_error": job.lastError, "created_at": Column.time(job.createdAt),
            "archived_at": Column.time(job.archivedAt),
        ]
    }

    static func insertArchiveJob(_ db: Database, _ arguments: StatementArguments) throws {
        try db.execute(sql: """
            INSERT INTO archive_jobs (tracking_id, state, mode, entries_json, sealed_key, attempts, next_attempt_at, last_error, created_at, archived_at)
            VALUES (:tracking_id, :state, :mode, :entries_json, :sealed_key, :attempts, :next_attempt_at, :last_error, :created_at, :archived_at)
            """, arguments: arguments)
    }

    static func archiveJob(from row: Row) throws -> ArchiveJob {
        guard let trackingId = TrackingID(rawValue: row["tracking_id"]) else { throw CorruptRowError(table: "archive_jobs", column: "tracking_id") }
        return ArchiveJob(
            trackingId: trackingId,
            state: ArchiveJob.State(rawValue: row["state"]) ?? .pending,
            mode: ArchiveSettings.Mode(rawValue: row["mode"]) ?? .plain,
            entries: try Column.decode([ArchiveJob.Entry].self, row["entries_json"]),
            sealedKey: Column.bytes(row["sealed_key"]),
            attempts: row["attempts"],
            nextAttemptAt: Column.date(row["next_attempt_at"]) ?? Date(),
            lastError: row["last_error"],
            createdAt: Column.date(row["created_at"]) ?? Date(),
            archivedAt: Column.date(row["archived_at"]))
    }
}
