import Foundation
import Logging
import SealdropCore

/// Clean-up, the scheduler's task `cleanup`: expired transfers lose their blobs and keys, abandoned sessions and
/// expired verifications are removed; at start-up, leftover temporary uploads and orphan blobs are deleted.
public struct CleanupService: ScheduledTask {
    public var name: TaskName { .cleanup }

    let transfers: any TransferRepository
    let verifications: any VerificationRepository
    let blobs: any BlobStore
    let settings: SettingsStore
    let notifications: Notifications
    let logger: Logger
    let now: @Sendable () -> Date

    public init(transfers: any TransferRepository, verifications: any VerificationRepository, blobs: any BlobStore, settings: SettingsStore,
                notifications: Notifications, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.transfers = transfers
        self.verifications = verifications
        self.blobs = blobs
        self.settings = settings
        self.notifications = notifications
        self.logger = logger
        self.now = now
    }

    /// Removes what a crash may have left: temporary uploads, blobs of transfers that no longer exist, and
    /// blobs committed for files a live transfer does not record as uploaded (a crash between the blob's
    /// rename and the database update). Resumable uploads stay while their session is open and the file
    /// not uploaded, so the web app can continue them (`ChunkedUploads`); the others go too. Call before
    /// any listener accepts traffic.
    public func recoverAfterStart() async throws -> (temporaries: Int, orphans: Int, unfinished: Int, resumable: Int) {
        let temporaries = try blobs.removeTemporaries()
        let resumable = try await removeStaleResumableUploads()
        let live = try await transfers.liveTrackingIds()
        var orphans = 0
        var unfinished = 0
        for trackingId in try blobs.storedTrackingIds() {
            guard live.contains(trackingId.rawValue) else {
                try blobs.removeAll(trackingId: trackingId)
                orphans += 1
                continue
            }
            unfinished += try await removeUnfinishedBlobs(of: trackingId)
        }
        logger.info("cleanup.recovered", metadata: ["temporaries": "\(temporaries)", "orphans": "\(orphans)", "unfinished": "\(unfinished)",
                                                    "resumable": "\(resumable.kept)"])
        return (temporaries, orphans, unfinished, resumable.kept)
    }

    /// Deletes resumable uploads whose session is gone or no longer open, or whose file is gone or uploaded;
    /// returns how many were kept and how many removed.
    func removeStaleResumableUploads() async throws -> (kept: Int, removed: Int) {
        var kept = 0
        var removed = 0
        for partial in try blobs.resumableWrites() {
            var keep = false
            if try await transfers.transfer(partial.trackingId)?.state == .open {
                keep = try await transfers.files(of: partial.trackingId).contains { $0.fileId == partial.fileId && $0.state == .initialized }
            }
            if keep {
                kept += 1
            } else {
                try blobs.removeResumable(trackingId: partial.trackingId, fileId: partial.fileId)
                removed += 1
            }
        }
        return (kept, removed)
    }

    /// Deletes a live transfer's blobs whose file record is missing or not uploaded; returns how many.
    func removeUnfinishedBlobs(of trackingId: TrackingID) async throws -> Int {
        let complete = Set(try await transfers.files(of: trackingId).filter { $0.state == .uploaded || $0.state == .active }.map(\.fileId))
        var removed = 0
        for fileId in try blobs.storedFileIds(trackingId: trackingId) where !complete.contains(fileId) {
            try blobs.remove(trackingId: trackingId, fileId: fileId)
            removed += 1
        }
        return removed
    }

    /// One clean-up pass; says what it removed.
    @discardableResult
    public func runOnce() async throws -> String {
        let date = now()
        var expired = 0
        var abandoned = 0
        for trackingId in try await transfers.expiredTransfers(asOf: date) {
            guard let transfer = try await transfers.transfer(trackingId) else { continue }
            var mails: [OutboxMessage] = []
            if transfer.settings.sendDownloadSummary {
                mails.append(notifications.downloadSummary(
                    transfer: transfer, recipients: try await transfers.recipients(of: trackingId),
                    downloads: try await transfers.downloads(of: trackingId), now: date))
            }
            if try await transfers.endTransfer(trackingId, state: .deletedByExpiration, mails: mails) {
                try blobs.removeAll(trackingId: trackingId)
                expired += 1
                logger.info("cleanup.expired", metadata: ["tracking.id": "\(trackingId)"])
            }
        }
        let cutoff = date.addingTimeInterval(-TimeInterval(settings.current.cleanup.abandonedSessionHours) * 3600)
        for trackingId in try await transfers.abandonedSessions(notUpdatedSince: cutoff) {
            try await transfers.deleteTransfer(trackingId)
            try blobs.removeAll(trackingId: trackingId)
            abandoned += 1
            logger.info("cleanup.abandoned", metadata: ["tracking.id": "\(trackingId)"])
        }
        let v = settings.current.verification
        try await verifications.deleteExpiredVerifications(
            maxValidBefore: date,
            idleSince: v.idleValidityDays > 0 ? date.addingTimeInterval(-TimeInterval(v.idleValidityDays) * 86400) : .distantPast,
            now: date)
        return "\(expired) expired transfer\(expired == 1 ? "" : "s") ended, \(abandoned) abandoned session\(abandoned == 1 ? "" : "s") removed"
    }
}
