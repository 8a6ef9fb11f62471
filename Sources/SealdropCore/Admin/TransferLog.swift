import Foundation

/// The transfer log filters of the admin log view; each is a case-insensitive substring match.
public struct TransferLogFilter: Sendable, Equatable {
    public var sender: String?
    public var trackingId: String?
    public var transferId: String?
    public var recipient: String?
    public var fileName: String?
    public var senderIP: String?

    public init(sender: String? = nil, trackingId: String? = nil, transferId: String? = nil, recipient: String? = nil,
                fileName: String? = nil, senderIP: String? = nil) {
        self.sender = sender
        self.trackingId = trackingId
        self.transferId = transferId
        self.recipient = recipient
        self.fileName = fileName
        self.senderIP = senderIP
    }
}

/// One line of the transfer log: a transfer with its counts.
public struct TransferLogRow: Sendable, Equatable {
    public var trackingId: String
    public var senderEmail: String
    public var senderIP: String?
    public var state: TransferState
    public var createdAt: Date
    public var finalizedAt: Date?
    public var expiresAt: Date
    public var recipientCount: Int
    public var fileCount: Int
    public var totalSize: Int64
    public var notificationFailed: Bool
    /// The transfer's archive copy, if it has one.
    public var archiveState: ArchiveJob.State?
    /// The archive copy failed at least once and is not archived yet (the log's "archiving failed" badge).
    public var archivingFailed: Bool

    public init(trackingId: String, senderEmail: String, senderIP: String?, state: TransferState, createdAt: Date, finalizedAt: Date?,
                expiresAt: Date, recipientCount: Int, fileCount: Int, totalSize: Int64, notificationFailed: Bool,
                archiveState: ArchiveJob.State? = nil, archivingFailed: Bool = false) {
        self.archiveState = archiveState
        self.archivingFailed = archivingFailed
        self.trackingId = trackingId
        self.senderEmail = senderEmail
        self.senderIP = senderIP
        self.state = state
        self.createdAt = createdAt
        self.finalizedAt = finalizedAt
        self.expiresAt = expiresAt
        self.recipientCount = recipientCount
        self.fileCount = fileCount
        self.totalSize = totalSize
        self.notificationFailed = notificationFailed
    }
}

/// Transfers, volume and distinct people of one calendar month (UTC).
public struct MonthlyStatistics: Sendable, Equatable {
    /// `YYYY-MM`.
    public var month: String
    public var transfers: Int
    public var bytes: Int64
    public var distinctSenders: Int
    public var distinctRecipients: Int

    public init(month: String, transfers: Int, bytes: Int64, distinctSenders: Int, distinctRecipients: Int) {
        self.month = month
        self.transfers = transfers
        self.bytes = bytes
        self.distinctSenders = distinctSenders
        self.distinctRecipients = distinctRecipients
    }
}

/// Read access to the transfer log for the admin interface.
public protocol TransferLogRepository: Sendable {
    /// Finalized and open transfers matching every given filter, newest first.
    func transferLog(_ filter: TransferLogFilter, limit: Int, offset: Int) async throws -> [TransferLogRow]
    /// One row per month with finalized transfers since `since`, oldest first.
    func monthlyStatistics(since: Date) async throws -> [MonthlyStatistics]
}
