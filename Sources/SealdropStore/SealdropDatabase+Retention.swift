import Foundation
import GRDB
import SealdropCore

/// `RetentionRepository` on SQLite.
extension SealdropDatabase: RetentionRepository {
    /// The states of a transfer that has ended (its content is gone).
    static let endedStates = "('DELETED_BY_EXPIRATION', 'DELETED_BY_REVOCATION', 'DELETED_BY_ADMIN', 'DELETED_BY_SECURITY', 'FAILED')"

    public func purgeEndedTransfers(endedBefore: Date, monthStart: Date, limit: Int, now: Date) async throws -> RetentionPurge {
        let purge = try await writer.write { db -> RetentionPurge in
            // An archive copy not yet confirmed (pending, or failed and waiting for an administrator) keeps its transfer.
            let rows = try Row.fetchAll(db, sql: """
                SELECT t.tracking_id, strftime('%Y-%m', t.finalized_at, 'unixepoch') AS month FROM transfers t
                WHERE t.state IN \(Self.endedStates) AND t.updated_at < ?
                  AND (t.finalized_at IS NULL OR t.finalized_at < ?)
                  AND NOT EXISTS (SELECT 1 FROM archive_jobs a WHERE a.tracking_id = t.tracking_id AND a.state != 'archived')
                ORDER BY t.updated_at LIMIT ?
                """, arguments: [Column.time(endedBefore), Column.time(monthStart), limit])
            guard !rows.isEmpty else { return RetentionPurge() }
            let ids: [String] = rows.map { $0["tracking_id"] }
            var frozen: [String] = []
            for month in Set(rows.compactMap { $0["month"] as String? }).sorted() {
                if try Self.freezeMonth(db, month, now: now) { frozen.append(month) }
            }
            var audit = 0, outbox = 0
            for id in ids {
                try db.execute(sql: """
                    UPDATE audit_log SET old_value = NULL, new_value = NULL, details_purged_at = ?
                    WHERE target = ? AND link = 2 AND details_purged_at IS NULL
                    """, arguments: [Column.time(now), id])
                audit += db.changesCount
                try db.execute(sql: "DELETE FROM outbox WHERE tracking_id = ?", arguments: [id])
                outbox += db.changesCount
                try db.execute(sql: "DELETE FROM archive_jobs WHERE tracking_id = ?", arguments: [id])
                // Files, recipients and their downloads go with the transfer (ON DELETE CASCADE).
                try db.execute(sql: "DELETE FROM transfers WHERE tracking_id = ?", arguments: [id])
            }
            return RetentionPurge(transfers: ids.count, auditDetails: audit, outboxMessages: outbox, frozenMonths: frozen)
        }
        if purge.transfers > 0 { await scrubWAL() }
        return purge
    }

    /// Stores the statistics of `month` as they are now, unless they are frozen already; true when it froze them.
    static func freezeMonth(_ db: Database, _ month: String, now: Date) throws -> Bool {
        let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM statistics_months WHERE month = ?", arguments: [month]) ?? false
        guard !exists else { return false }
        try db.execute(sql: """
            INSERT INTO statistics_months (month, transfers, bytes, senders, recipients, frozen_at)
            SELECT :month, COUNT(*),
                   coalesce(SUM((SELECT coalesce(SUM(f.size), 0) FROM files f WHERE f.tracking_id = t.tracking_id)), 0),
                   COUNT(DISTINCT t.sender_email_normalized),
                   (SELECT COUNT(DISTINCT r.email_normalized) FROM recipients r JOIN transfers t2 ON t2.tracking_id = r.tracking_id
                    WHERE t2.finalized_at IS NOT NULL AND strftime('%Y-%m', t2.finalized_at, 'unixepoch') = :month),
                   :now
            FROM transfers t WHERE t.finalized_at IS NOT NULL AND strftime('%Y-%m', t.finalized_at, 'unixepoch') = :month
            """, arguments: ["month": month, "now": Column.time(now)])
        return true
    }

    /// The frozen months since `since`, by month.
    static func frozenMonths(_ db: Database, since: Date) throws -> [String: MonthlyStatistics] {
        var months: [String: MonthlyStatistics] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT * FROM statistics_months WHERE month >= strftime('%Y-%m', ?, 'unixepoch')
            """, arguments: [Column.time(since)]) {
            let month: String = row["month"]
            months[month] = MonthlyStatistics(month: month, transfers: row["transfers"], bytes: row["bytes"],
                                              distinctSenders: row["senders"], distinctRecipients: row["recipients"])
        }
        return months
    }

    public func purgeOutbox(createdBefore date: Date) async throws -> Int {
        let count = try await writer.write { db -> Int in
            try db.execute(sql: "DELETE FROM outbox WHERE state IN ('SENT', 'FAILED') AND created_at < ?", arguments: [Column.time(date)])
            return db.changesCount
        }
        if count > 0 { await scrubWAL() }
        return count
    }

    public func transferLogTotals(since: Date) async throws -> TransferLogTotals {
        try await writer.read { db in
            let t = Column.time(since)
            let sent = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS transfers,
                       coalesce(SUM((SELECT COUNT(*) FROM files f WHERE f.tracking_id = t.tracking_id)), 0) AS files,
                       coalesce(SUM((SELECT coalesce(SUM(f.size), 0) FROM files f WHERE f.tracking_id = t.tracking_id)), 0) AS bytes
                FROM transfers t WHERE t.finalized_at IS NOT NULL AND t.finalized_at >= ?
                """, arguments: [t])
            let downloads = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM downloads WHERE date >= ?", arguments: [t]) ?? 0
            let failed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transfers WHERE state = 'FAILED' AND updated_at >= ?", arguments: [t]) ?? 0
            let mails = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'FAILED' AND created_at >= ?", arguments: [t]) ?? 0
            return TransferLogTotals(transfersSent: sent?["transfers"] ?? 0, files: sent?["files"] ?? 0, bytes: sent?["bytes"] ?? 0,
                                     downloads: downloads, failedTransfers: failed, failedMails: mails)
        }
    }
}
