import Foundation
import Logging
import SealdropCore

/// The `digest` scheduled task (the product's "Notification" task): one mail a day to the administrators with the
/// transfer log of the last 24 hours: counts of transfers sent, files, bytes, downloads and failures, and the
/// newest transfers. It goes through the outbox, so a relay that is down delays it but does not lose it.
public struct DigestTask: ScheduledTask {
    public var name: TaskName { .digest }

    let log: any TransferLogRepository
    let totals: any RetentionRepository
    let outbox: any OutboxRepository
    let notifications: Notifications
    let settings: SettingsStore
    let logger: Logger
    let now: @Sendable () -> Date

    public init(log: any TransferLogRepository, totals: any RetentionRepository, outbox: any OutboxRepository, notifications: Notifications,
                settings: SettingsStore, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.log = log
        self.totals = totals
        self.outbox = outbox
        self.notifications = notifications
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// The period a digest covers.
    static let period: TimeInterval = 86400

    public func runOnce() async throws -> String {
        let settings = settings.current
        let addresses = DigestSettings.addresses(in: settings).compactMap { EmailAddress($0)?.address }
        guard !addresses.isEmpty else { return "no administrator has a mail address" }
        let now = now(), since = now.addingTimeInterval(-Self.period)
        let counts = try await totals.transferLogTotals(since: since)
        let limit = min(max(settings.digest.rows, 0), 500)
        var rows: [TransferLogRow] = []
        if limit > 0 { rows = try await log.transferLog(TransferLogFilter(), limit: limit, offset: 0).filter { $0.createdAt >= since } }
        let message = notifications.digest(totals: counts, rows: rows, since: since, to: addresses, now: now)
        try await outbox.enqueue([message])
        logger.info("digest.queued", metadata: ["recipients": "\(addresses.count)", "transfers": "\(counts.transfersSent)"])
        return "digest mailed to \(addresses.count) administrator\(addresses.count == 1 ? "" : "s")"
    }
}
