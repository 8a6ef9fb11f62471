import Foundation
import Logging
import SealdropCore

/// The `retention` scheduled task: purges personal data of transfers that ended more than
/// `retention.endedTransferDays` ago and outbox messages older than `retention.outboxDays` (`docs/retention.md`).
///
/// Statistics stay as they were (each month is frozen before its first purge) and the audit chain still verifies
/// (purged audit rows keep their details' digest).
public struct RetentionTask: ScheduledTask {
    public var name: TaskName { .retention }

    let repository: any RetentionRepository
    let settings: SettingsStore
    let logger: Logger
    let now: @Sendable () -> Date
    /// Transfers purged per transaction (short write transactions keep requests moving).
    let batchSize: Int

    public init(repository: any RetentionRepository, settings: SettingsStore, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init, batchSize: Int = 200) {
        self.repository = repository
        self.settings = settings
        self.logger = logger
        self.now = now
        self.batchSize = max(1, batchSize)
    }

    public func runOnce() async throws -> String {
        let retention = settings.current.retention
        let now = now()
        var total = RetentionPurge()
        if retention.endedTransferDays > 0 {
            let endedBefore = now.addingTimeInterval(-Double(retention.endedTransferDays) * 86400)
            let monthStart = Self.startOfMonth(now)
            while true {
                try Task.checkCancellation()
                let batch = try await repository.purgeEndedTransfers(endedBefore: endedBefore, monthStart: monthStart, limit: batchSize, now: now)
                total.transfers += batch.transfers
                total.auditDetails += batch.auditDetails
                total.outboxMessages += batch.outboxMessages
                total.frozenMonths += batch.frozenMonths
                if batch.transfers < batchSize { break }
            }
        }
        if retention.outboxDays > 0 {
            total.outboxMessages += try await repository.purgeOutbox(createdBefore: now.addingTimeInterval(-Double(retention.outboxDays) * 86400))
        }
        logger.info("retention.purged", metadata: ["transfers": "\(total.transfers)", "audit.details": "\(total.auditDetails)",
                                                   "outbox": "\(total.outboxMessages)", "months.frozen": "\(total.frozenMonths.count)"])
        return Self.summary(total, retention)
    }

    /// The one line the task list shows.
    static func summary(_ purge: RetentionPurge, _ retention: RetentionSettings) -> String {
        if retention.endedTransferDays == 0 && retention.outboxDays == 0 { return "retention is off: everything is kept" }
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        return "purged " + count(purge.transfers, "ended transfer", "ended transfers") + ", "
            + count(purge.outboxMessages, "mail", "mails") + ", audit details of " + count(purge.auditDetails, "row", "rows")
    }

    /// The start of `date`'s month in UTC.
    static func startOfMonth(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
    }
}
