import Foundation
import GRDB
import SealdropCore

/// `TransferLogRepository` on SQLite.
extension SealdropDatabase: TransferLogRepository {
    public func transferLog(_ filter: TransferLogFilter, limit: Int, offset: Int) async throws -> [TransferLogRow] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func like(_ value: String?, _ sql: String) {
            guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return }
            conditions.append(sql)
            arguments.append("%" + Self.escapeLike(value.lowercased()) + "%")
        }
        like(filter.sender, "lower(t.sender_email) LIKE ? ESCAPE '\\'")
        like(filter.trackingId, "lower(t.tracking_id) LIKE ? ESCAPE '\\'")
        like(filter.transferId, "EXISTS (SELECT 1 FROM recipients r WHERE r.tracking_id = t.tracking_id AND lower(r.transfer_id) LIKE ? ESCAPE '\\')")
        like(filter.recipient, "EXISTS (SELECT 1 FROM recipients r WHERE r.tracking_id = t.tracking_id AND r.email_normalized LIKE ? ESCAPE '\\')")
        // A transfer whose policy rule says its file names are not logged cannot be found by them either.
        like(filter.fileName, "EXISTS (SELECT 1 FROM files f WHERE f.tracking_id = t.tracking_id AND lower(f.file_name) LIKE ? ESCAPE '\\')"
            + " AND coalesce(json_extract(t.settings_json, '$.ruleOutput.logFileNames'), 1) != 0")
        like(filter.senderIP, "lower(coalesce(t.sender_ip, '')) LIKE ? ESCAPE '\\'")
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(limit)
        arguments.append(offset)
        let sql = """
            SELECT t.tracking_id, t.sender_email, t.sender_ip, t.state, t.created_at, t.finalized_at, t.expires_at,
                   t.sender_notification_failed,
                   (SELECT COUNT(*) FROM recipients r WHERE r.tracking_id = t.tracking_id) AS recipient_count,
                   (SELECT COUNT(*) FROM recipients r WHERE r.tracking_id = t.tracking_id AND r.notification_failed = 1) AS failed_count,
                   (SELECT COUNT(*) FROM files f WHERE f.tracking_id = t.tracking_id AND f.state != 'REMOVED') AS file_count,
                   (SELECT coalesce(SUM(f.size), 0) FROM files f WHERE f.tracking_id = t.tracking_id AND f.state != 'REMOVED') AS total_size,
                   a.state AS archive_state, a.attempts AS archive_attempts
            FROM transfers t LEFT JOIN archive_jobs a ON a.tracking_id = t.tracking_id \(whereClause)
            ORDER BY t.created_at DESC, t.tracking_id DESC LIMIT ? OFFSET ?
            """
        let statementArguments = StatementArguments(arguments)
        return try await writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
                guard let state = TransferState(rawValue: row["state"]) else { throw CorruptRowError(table: "transfers", column: "state") }
                let failed: Int = row["failed_count"]
                let senderFailed: Bool = row["sender_notification_failed"]
                let archive = (row["archive_state"] as String?).flatMap(ArchiveJob.State.init(rawValue:))
                return TransferLogRow(
                    trackingId: row["tracking_id"], senderEmail: row["sender_email"], senderIP: row["sender_ip"], state: state,
                    createdAt: Date(timeIntervalSince1970: row["created_at"]), finalizedAt: Column.date(row["finalized_at"]),
                    expiresAt: Date(timeIntervalSince1970: row["expires_at"]), recipientCount: row["recipient_count"],
                    fileCount: row["file_count"], totalSize: row["total_size"], notificationFailed: failed > 0 || senderFailed,
                    archiveState: archive, archivingFailed: archive == .failed || (archive == .pending && (row["archive_attempts"] as Int? ?? 0) > 0))
            }
        }
    }

    public func monthlyStatistics(since: Date) async throws -> [MonthlyStatistics] {
        try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT strftime('%Y-%m', t.finalized_at, 'unixepoch') AS month,
                       COUNT(*) AS transfers,
                       coalesce(SUM((SELECT coalesce(SUM(f.size), 0) FROM files f WHERE f.tracking_id = t.tracking_id)), 0) AS bytes,
                       COUNT(DISTINCT t.sender_email_normalized) AS senders
                FROM transfers t
                WHERE t.finalized_at IS NOT NULL AND t.finalized_at >= ?
                GROUP BY month ORDER BY month
                """, arguments: [Column.time(since)])
            // Distinct recipients per month in one grouped query (not one query per month).
            var recipients: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT strftime('%Y-%m', t.finalized_at, 'unixepoch') AS month, COUNT(DISTINCT r.email_normalized) AS n
                FROM recipients r JOIN transfers t ON t.tracking_id = r.tracking_id
                WHERE t.finalized_at IS NOT NULL AND t.finalized_at >= ?
                GROUP BY month
                """, arguments: [Column.time(since)]) {
                recipients[row["month"]] = row["n"]
            }
            // A month frozen before retention purged some of its transfers shows its frozen numbers.
            var months = try Self.frozenMonths(db, since: since)
            for row in rows {
                let month: String = row["month"]
                guard months[month] == nil else { continue }
                months[month] = MonthlyStatistics(month: month, transfers: row["transfers"], bytes: row["bytes"],
                                                  distinctSenders: row["senders"], distinctRecipients: recipients[month] ?? 0)
            }
            return months.values.sorted { $0.month < $1.month }
        }
    }

    /// Escapes `%`, `_` and the escape character for a `LIKE … ESCAPE '\'` pattern.
    static func escapeLike(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
