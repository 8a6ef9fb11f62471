import Foundation
import SealdropCore

/// The admin interface's view of transfers: the filtered log, monthly statistics, one transfer's details, and
/// deleting a transfer with its audit row. The admin pages and the admin JSON API both come through here.
public struct TransferLogService: Sendable {
    let log: any TransferLogRepository
    let transfers: any TransferRepository
    let service: SentTransferService
    let audit: AuditLog
    /// The archive queue, for a transfer's archive copy (nil: no archive shown).
    let archive: (any ArchiveRepository)?

    public init(log: any TransferLogRepository, transfers: any TransferRepository, service: SentTransferService, audit: AuditLog,
                archive: (any ArchiveRepository)? = nil) {
        self.archive = archive
        self.log = log
        self.transfers = transfers
        self.service = service
        self.audit = audit
    }

    /// Transfers matching every given filter, newest first.
    public func rows(_ filter: TransferLogFilter, limit: Int, offset: Int) async throws -> [TransferLogRow] {
        try await log.transferLog(filter, limit: limit, offset: offset)
    }

    /// One row per month with finalized transfers since `since`, oldest first.
    public func monthlyStatistics(since: Date) async throws -> [MonthlyStatistics] {
        try await log.monthlyStatistics(since: since)
    }

    /// The transfer with its files, recipients and downloads; nil when there is none with this id.
    public func details(_ trackingId: TrackingID) async throws -> TransferLogDetails? {
        guard var transfer = try await transfers.transfer(trackingId) else { return nil }
        var files = try await transfers.files(of: trackingId)
        // What the transfer's policy rule says the log does not record is not shown to administrators either.
        if transfer.settings.ruleOutput?.logFileNames == false {
            files = files.map { file in
                var file = file
                file.fileName = Self.notLogged
                file.zipListing = nil
                return file
            }
        }
        if transfer.settings.ruleOutput?.logSubjects == false {
            transfer.settings.notificationMessage = NotificationMessage(subject: Self.notLogged, body: "")
        }
        return TransferLogDetails(transfer: transfer, files: files,
                                  recipients: try await transfers.recipients(of: trackingId), downloads: try await transfers.downloads(of: trackingId),
                                  archive: try await archive?.archiveJob(trackingId))
    }

    /// Shown where a policy rule keeps a subject or file name out of the log.
    public static let notLogged = "(not logged by policy)"

    /// Deletes the transfer as an administrator and records who did it in the audit log.
    public func delete(_ details: TransferLogDetails, by actor: String) async throws {
        try await service.deleteByAdministrator(details.transfer.trackingId)
        try await audit.record(actor: actor, action: "transfer.delete", target: details.transfer.trackingId.rawValue,
                               old: details.transfer.state.rawValue, new: TransferState.deletedByAdmin.rawValue)
    }
}

/// A transfer with its recipients, their download state and files, for the log details.
public struct TransferLogDetails: Sendable {
    public let transfer: TransferRecord
    public let files: [FileRecord]
    public let recipients: [RecipientRecord]
    public let downloads: [DownloadEvent]
    /// The transfer's archive copy, if it has one.
    public var archive: ArchiveJob?
}
