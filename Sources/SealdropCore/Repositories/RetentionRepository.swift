import Foundation

/// What one retention pass removed.
public struct RetentionPurge: Sendable, Equatable {
    /// Transfers whose rows (recipients, files, downloads, mails, archive job) were deleted.
    public var transfers: Int
    /// Audit rows whose details were purged (the rows and their chain stay).
    public var auditDetails: Int
    /// Outbox messages deleted for their age.
    public var outboxMessages: Int
    /// Months whose statistics were frozen before their first purge.
    public var frozenMonths: [String]

    public init(transfers: Int = 0, auditDetails: Int = 0, outboxMessages: Int = 0, frozenMonths: [String] = []) {
        self.transfers = transfers
        self.auditDetails = auditDetails
        self.outboxMessages = outboxMessages
        self.frozenMonths = frozenMonths
    }
}

/// The counts of the transfer log over a period, for the daily digest.
public struct TransferLogTotals: Sendable, Equatable {
    /// Transfers finalized (sent) in the period.
    public var transfersSent: Int
    /// Files and bytes of those transfers.
    public var files: Int
    public var bytes: Int64
    /// Downloads (any method) in the period.
    public var downloads: Int
    /// Transfers whose finalization failed in the period.
    public var failedTransfers: Int
    /// Mails that failed for good in the period.
    public var failedMails: Int

    public init(transfersSent: Int = 0, files: Int = 0, bytes: Int64 = 0, downloads: Int = 0, failedTransfers: Int = 0, failedMails: Int = 0) {
        self.transfersSent = transfersSent
        self.files = files
        self.bytes = bytes
        self.downloads = downloads
        self.failedTransfers = failedTransfers
        self.failedMails = failedMails
    }
}

/// The purge of personal data after the retention time, and the totals the digest reports.
///
/// A purge is one transaction per batch: the statistics of every month it touches are frozen first (so
/// `monthlyStatistics` shows the same numbers afterwards), then audit details of the purged transfers are
/// cleared (their digest stays in the chain), then the transfer rows go with everything that hangs on them.
public protocol RetentionRepository: Sendable {
    /// Purges up to `limit` transfers that ended before `endedBefore` and were finalized before `monthStart` (the
    /// start of the current UTC month: only complete months are frozen) or never; a transfer whose archive copy is
    /// still pending is kept. `now` stamps the purge.
    func purgeEndedTransfers(endedBefore: Date, monthStart: Date, limit: Int, now: Date) async throws -> RetentionPurge
    /// Deletes sent and failed outbox messages created before `date`; returns how many.
    func purgeOutbox(createdBefore date: Date) async throws -> Int
    /// The transfer log's counts since `since`.
    func transferLogTotals(since: Date) async throws -> TransferLogTotals
}
