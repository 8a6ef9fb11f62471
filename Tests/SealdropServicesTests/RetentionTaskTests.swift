import Foundation
import GRDB
import Logging
import SealdropCore
@testable import SealdropServices
@testable import SealdropStore
import Testing

/// Retention on real SQLite: what a purge removes, what it keeps (live and recently ended transfers, statistics
/// counts), and that the audit chain verifies across a purge and still catches edits.
@Suite struct RetentionTaskTests {
    /// A database whose writer the test keeps, to seed rows as the services would have written them and to tamper.
    struct Fixture {
        let queue: DatabaseQueue
        let database: SealdropDatabase
        let audit: AuditLog
        let settings = SettingsStore(SealdropSettings())
        let clock: TestClock

        /// 2026-06-15 12:00 UTC.
        static let now = Date(timeIntervalSince1970: 1_781_524_800)

        init() throws {
            queue = try DatabaseQueue()
            database = try SealdropDatabase(writer: queue, bodySealer: nil)
            audit = AuditLog(repository: database)
            clock = TestClock(Self.now)
        }

        func task(batchSize: Int = 200) -> RetentionTask {
            RetentionTask(repository: database, settings: settings, logger: Logger(label: "sealdrop.tests"), now: clock.closure, batchSize: batchSize)
        }

        /// A day as `YYYY-MM-DD` at noon UTC.
        static func day(_ text: String) -> Date {
            let f = ISO8601DateFormatter()
            return f.date(from: text + "T12:00:00Z")!
        }

        /// Inserts a transfer with recipients, files, downloads, a mail and optionally an archive job; returns its id.
        @discardableResult
        func transfer(sender: String = "alice@example.org", state: TransferState, created: Date, finalized: Date?, ended: Date? = nil,
                      recipients: [String] = ["bob@example.net", "carol@example.com"], files: [Int64] = [1000, 2500],
                      downloads: Int = 1, archive: ArchiveJob.State? = nil) async throws -> String {
            let id = TrackingID.random(at: created).rawValue
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO transfers (tracking_id, sender_email, sender_email_normalized, sender_json, recipients_json, settings_json, state,
                                           creator_token_hash, client_id, created_at, updated_at, finalized_at, expires_at, sender_ip)
                    VALUES (?, ?, ?, '{}', '{}', '{}', ?, X'00', 'client', ?, ?, ?, ?, '192.0.2.7')
                    """, arguments: [id, sender, sender.lowercased(), state.rawValue, created.timeIntervalSince1970,
                                     (ended ?? finalized ?? created).timeIntervalSince1970, finalized?.timeIntervalSince1970,
                                     created.addingTimeInterval(14 * 86400).timeIntervalSince1970])
                for (i, size) in files.enumerated() {
                    try db.execute(sql: """
                        INSERT INTO files (tracking_id, file_id, position, file_name, size, state, created_at)
                        VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?)
                        """, arguments: [id, "File\(i)", i, "secret-name-\(i).pdf", size, created.timeIntervalSince1970])
                }
                for (i, email) in recipients.enumerated() {
                    let transferId = TransferID.random().rawValue
                    try db.execute(sql: """
                        INSERT INTO recipients (transfer_id, tracking_id, position, email, email_normalized, kind) VALUES (?, ?, ?, ?, ?, 'to')
                        """, arguments: [transferId, id, i, email, email.lowercased()])
                    if i < downloads {
                        try db.execute(sql: "INSERT INTO downloads (transfer_id, file_id, date, method) VALUES (?, 'File0', ?, 'downloaded')",
                                       arguments: [transferId, (finalized ?? created).addingTimeInterval(3600).timeIntervalSince1970])
                    }
                }
                try db.execute(sql: """
                    INSERT INTO outbox (kind, envelope_from, envelope_to_json, subject, message, state, created_at, next_attempt_at, tracking_id)
                    VALUES ('recipient-notification', 'sealdrop@example.org', ?, 'Files from alice', X'', 'SENT', ?, ?, ?)
                    """, arguments: ["[\"\(recipients.first ?? "")\"]", created.timeIntervalSince1970, created.timeIntervalSince1970, id])
                if let archive {
                    try db.execute(sql: """
                        INSERT INTO archive_jobs (tracking_id, state, mode, entries_json, next_attempt_at, created_at) VALUES (?, ?, 'plain', '[]', ?, ?)
                        """, arguments: [id, archive.rawValue, created.timeIntervalSince1970, created.timeIntervalSince1970])
                }
            }
            return id
        }

        func count(_ sql: String, _ arguments: StatementArguments = []) async throws -> Int {
            try await queue.read { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }
        }

        /// Rows of every table that holds a transfer's personal data.
        func traces(of id: String) async throws -> Int {
            var total = 0
            for sql in ["SELECT COUNT(*) FROM transfers WHERE tracking_id = ?", "SELECT COUNT(*) FROM files WHERE tracking_id = ?",
                        "SELECT COUNT(*) FROM recipients WHERE tracking_id = ?", "SELECT COUNT(*) FROM outbox WHERE tracking_id = ?",
                        "SELECT COUNT(*) FROM archive_jobs WHERE tracking_id = ?",
                        "SELECT COUNT(*) FROM audit_log WHERE target = ? AND (old_value IS NOT NULL OR new_value IS NOT NULL)"] {
                total += try await count(sql, [id])
            }
            return total
        }
    }

    @Test func aPurgeRemovesEndedTransfersAndKeepsLiveOnesRecentOnesAndTheStatistics() async throws {
        let f = try Fixture()
        let day = Fixture.day
        let old = try await f.transfer(state: .deletedByExpiration, created: day("2026-02-10"), finalized: day("2026-02-10"), ended: day("2026-02-24"),
                                       archive: .archived)
        let live = try await f.transfer(sender: "dora@example.org", state: .active, created: day("2026-02-12"), finalized: day("2026-02-12"),
                                        recipients: ["bob@example.net", "erin@example.net"])
        let recent = try await f.transfer(state: .deletedByRevocation, created: day("2026-05-20"), finalized: day("2026-05-20"), ended: day("2026-05-30"))
        let archiving = try await f.transfer(state: .deletedByExpiration, created: day("2026-02-20"), finalized: day("2026-02-20"), ended: day("2026-02-28"),
                                             archive: .pending)
        let abandoned = try await f.transfer(state: .failed, created: day("2026-01-01"), finalized: nil, recipients: [], files: [10], downloads: 0)
        // Audit rows about the old transfer (details purged later) and the live one (kept).
        try await f.audit.record(actor: "root", action: "transfer.delete", target: old, old: "ACTIVE", new: "DELETED_BY_ADMIN")
        try await f.audit.record(actor: "root", action: "archive.retry", target: live, new: "due now")
        let since = day("2026-01-01")
        let before = try await f.database.monthlyStatistics(since: since)
        #expect(before.first { $0.month == "2026-02" } == MonthlyStatistics(month: "2026-02", transfers: 3, bytes: 10_500, distinctSenders: 2,
                                                                           distinctRecipients: 3))

        let summary = try await f.task().runOnce()
        // Two mails went with the purged transfers, two more (sent in February) for their age.
        #expect(summary == "purged 2 ended transfers, 4 mails, audit details of 1 row")
        #expect(try await f.traces(of: old) == 0)
        #expect(try await f.traces(of: abandoned) == 0)
        #expect(try await f.count("SELECT COUNT(*) FROM downloads") == 3, "the old transfer's download went with its recipient")
        #expect(try await f.count("SELECT COUNT(*) FROM files WHERE file_name LIKE 'secret-name-%'") == 6)
        for kept in [live, recent, archiving] { #expect(try await f.count("SELECT COUNT(*) FROM transfers WHERE tracking_id = ?", [kept]) == 1) }
        #expect(try await f.count("SELECT COUNT(*) FROM recipients WHERE tracking_id = ?", [live]) == 2)
        #expect(try await f.count("SELECT COUNT(*) FROM audit_log WHERE target = ? AND new_value = 'due now'", [live]) == 1)
        // Statistics: the same numbers after the purge, and after a later purge of the rest of the month.
        #expect(try await f.database.monthlyStatistics(since: since) == before)
        try await f.queue.write { try $0.execute(sql: "UPDATE transfers SET state = 'DELETED_BY_EXPIRATION', updated_at = ? WHERE tracking_id = ?",
                                                 arguments: [day("2026-02-26").timeIntervalSince1970, live]) }
        #expect(try await f.task(batchSize: 1).runOnce() == "purged 1 ended transfer, 0 mails, audit details of 1 row")
        #expect(try await f.traces(of: live) == 0)
        #expect(try await f.database.monthlyStatistics(since: since) == before)
        #expect(try await f.audit.verify() == .intact(count: 2))
        // Nothing left to do: a second pass purges nothing.
        #expect(try await f.task().runOnce() == "purged 0 ended transfers, 0 mails, audit details of 0 rows")
    }

    @Test func aTransferEndedThisMonthWaitsForTheMonthToEndAndZeroDaysKeepsEverything() async throws {
        let f = try Fixture()
        let thisMonth = try await f.transfer(state: .deletedByExpiration, created: Fixture.day("2026-06-01"), finalized: Fixture.day("2026-06-01"),
                                             ended: Fixture.day("2026-06-05"))
        let lastMonth = try await f.transfer(state: .deletedByExpiration, created: Fixture.day("2026-05-30"), finalized: Fixture.day("2026-05-30"),
                                             ended: Fixture.day("2026-06-05"))
        f.settings.update { $0.retention = RetentionSettings(); $0.retention.endedTransferDays = 0; $0.retention.outboxDays = 0 }
        #expect(try await f.task().runOnce() == "retention is off: everything is kept")
        #expect(try await f.count("SELECT COUNT(*) FROM transfers") == 2)
        f.settings.update { $0.retention.endedTransferDays = 1 }
        _ = try await f.task().runOnce()
        #expect(try await f.traces(of: lastMonth) == 0)
        #expect(try await f.count("SELECT COUNT(*) FROM transfers WHERE tracking_id = ?", [thisMonth]) == 1)
        #expect(try await f.count("SELECT COUNT(*) FROM statistics_months WHERE month = '2026-05'") == 1)
    }

    @Test func oldSentAndFailedMailsGoQueuedAndRecentOnesStay() async throws {
        let f = try Fixture()
        let old = Fixture.now.addingTimeInterval(-31 * 86400).timeIntervalSince1970, recent = Fixture.now.addingTimeInterval(-86400).timeIntervalSince1970
        try await f.queue.write { db in
            for (state, created) in [("SENT", old), ("FAILED", old), ("QUEUED", old), ("SENT", recent)] {
                try db.execute(sql: """
                    INSERT INTO outbox (kind, envelope_from, envelope_to_json, subject, message, state, created_at, next_attempt_at)
                    VALUES ('verification-code', 'a@example.org', '["b@example.org"]', 'Code', X'00', ?, ?, ?)
                    """, arguments: [state, created, created])
            }
        }
        #expect(try await f.task().runOnce() == "purged 0 ended transfers, 2 mails, audit details of 0 rows")
        let left = try await f.queue.read { try String.fetchAll($0, sql: "SELECT state FROM outbox ORDER BY id") }
        #expect(left == ["QUEUED", "SENT"])
    }

    @Test func theAuditChainVerifiesAcrossAPurgeAndStillCatchesEdits() async throws {
        let f = try Fixture()
        // A row written before `0013-retention` (link 1: details hashed directly) stays verifiable below the new ones.
        var legacy = AuditEntry(id: 1, at: Date(timeIntervalSince1970: 1_700_000_000), actor: "root", action: "settings.change", target: "policy",
                                oldValue: "1", newValue: "2", previousHash: AuditEntry.genesisHash, hash: "", link: 1)
        legacy.hash = AuditLog.hash(legacy.previousHash, legacy.canonicalBytes())
        let legacyRow = legacy
        try await f.queue.write { db in
            try db.execute(sql: """
                INSERT INTO audit_log (id, at_ms, actor, action, target, old_value, new_value, previous_hash, hash, link)
                VALUES (1, 1700000000000, 'root', 'settings.change', 'policy', '1', '2', ?, ?, 1)
                """, arguments: [legacyRow.previousHash, legacyRow.hash])
        }
        let ended = try await f.transfer(state: .deletedByAdmin, created: Fixture.day("2026-01-05"), finalized: Fixture.day("2026-01-05"),
                                         ended: Fixture.day("2026-01-06"))
        for i in 0..<6 {
            try await f.audit.record(actor: "root", action: i % 2 == 0 ? "transfer.delete" : "settings.change",
                                     target: i % 2 == 0 ? ended : "policy.maxRetentionDays", old: "old \(i)", new: "new \(i)")
        }
        #expect(try await f.audit.verify() == .intact(count: 7))
        // Only the purge's own update passes the table's trigger: no other edit, and no purge of a link-1 row.
        #expect(throws: (any Error).self) { try f.queue.write { try $0.execute(sql: "UPDATE audit_log SET actor = 'x' WHERE id = 2") } }
        #expect(throws: (any Error).self) {
            try f.queue.write { try $0.execute(sql: "UPDATE audit_log SET old_value = NULL, new_value = NULL, details_purged_at = 1 WHERE id = 1") }
        }
        #expect(throws: (any Error).self) {
            try f.queue.write { try $0.execute(sql: "UPDATE audit_log SET old_value = NULL, new_value = NULL, details_purged_at = 1, actor = 'x' WHERE id = 2") }
        }

        _ = try await f.task().runOnce()
        let purged = try await f.queue.read { try Int64.fetchAll($0, sql: "SELECT id FROM audit_log WHERE details_purged_at IS NOT NULL ORDER BY id") }
        #expect(purged == [2, 4, 6])
        #expect(try await f.count("SELECT COUNT(*) FROM audit_log WHERE target = ? AND (old_value IS NOT NULL OR new_value IS NOT NULL)", [ended]) == 0)
        #expect(try await f.audit.verify() == .intact(count: 7))
        let shown = try await f.audit.recent(limit: 10).first { $0.id == 4 }
        #expect(shown?.oldValue == nil && shown?.detailsPurgedAt != nil && shown?.detailsDigest?.count == 64)

        // An intruder who drops the triggers is still caught, on purged rows too.
        let digest = try await f.queue.read { try String.fetchOne($0, sql: "SELECT details_digest FROM audit_log WHERE id = 4") }
        try await f.queue.write { try $0.execute(sql: "DROP TRIGGER audit_log_no_update") }
        try await f.queue.write { try $0.execute(sql: "UPDATE audit_log SET actor = 'mallory' WHERE id = 4") }
        #expect(try await f.audit.verify() == .broken(id: 4, reason: "its content does not match its hash (edited?)"))
        try await f.queue.write { try $0.execute(sql: "UPDATE audit_log SET actor = 'root', new_value = 'forged' WHERE id = 4") }
        #expect(try await f.audit.verify() == .broken(id: 4, reason: "it shows details although they were purged (edited?)"))
        try await f.queue.write { try $0.execute(sql: "UPDATE audit_log SET new_value = NULL, details_digest = ? WHERE id = 4",
                                                 arguments: [String(repeating: "0", count: 64)]) }
        #expect(try await f.audit.verify() == .broken(id: 4, reason: "its content does not match its hash (edited?)"))
        try await f.queue.write { db in
            try db.execute(sql: "UPDATE audit_log SET details_digest = ? WHERE id = 4", arguments: [digest])
            try db.execute(sql: "UPDATE audit_log SET new_value = 'new 1x' WHERE id = 3")
        }
        #expect(try await f.audit.verify() == .broken(id: 3, reason: "its details do not match their digest (edited?)"))
        try await f.queue.write { try $0.execute(sql: "UPDATE audit_log SET old_value = 'legacy' WHERE id = 1") }
        #expect(try await f.audit.verify() == .broken(id: 1, reason: "its content does not match its hash (edited?)"))
    }

    @Test func aChainWrittenBeforeTheMigrationStillVerifiesAndGrowsWithDigestLinks() async throws {
        let queue = try DatabaseQueue()
        try SealdropMigrations.migrator.migrate(queue, upTo: "0010-archive-jobs")
        // Three rows as the code before `0013-retention` wrote them: the details hashed directly.
        var previous = AuditEntry.genesisHash
        var legacy: [AuditEntry] = []
        for id in Int64(1)...3 {
            var entry = AuditEntry(id: id, at: Date(timeIntervalSince1970: 1_700_000_000 + Double(id)), actor: "root", action: "login",
                                   target: "root", oldValue: nil, newValue: "192.0.2.\(id)", previousHash: previous, hash: "", link: 1)
            entry.hash = AuditLog.hash(previous, entry.canonicalBytes())
            legacy.append(entry)
            previous = entry.hash
        }
        let rows = legacy
        try await queue.write { db in
            for entry in rows {
                try db.execute(sql: """
                    INSERT INTO audit_log (id, at_ms, actor, action, target, old_value, new_value, previous_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [entry.id, Int64(entry.at.timeIntervalSince1970 * 1000), entry.actor, entry.action, entry.target,
                                     entry.oldValue, entry.newValue, entry.previousHash, entry.hash])
            }
        }
        let database = try SealdropDatabase(writer: queue, bodySealer: nil)
        let audit = AuditLog(repository: database)
        #expect(try await audit.verify() == .intact(count: 3))
        try await audit.record(actor: "root", action: "settings.change", target: "retention.endedTransferDays", old: "90", new: "30")
        let chain = try await audit.entries(afterId: 0, limit: 10)
        #expect(chain.map(\.link) == [1, 1, 1, 2] && chain[3].previousHash == previous)
        #expect(try await audit.verify() == .intact(count: 4))
        // The old rows cannot be purged: their details are part of their hash.
        #expect(throws: (any Error).self) {
            try queue.write { try $0.execute(sql: "UPDATE audit_log SET old_value = NULL, new_value = NULL, details_purged_at = 1 WHERE id = 2") }
        }
    }
}
