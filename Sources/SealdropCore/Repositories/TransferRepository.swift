import Foundation

/// Persistence of transfer sessions, transfers, their files, recipients and downloads.
///
/// Every method is one atomic unit of work; methods that also queue mail take the messages so the
/// state change and the mail are committed together (a crash loses neither or both).
public protocol TransferRepository: Sendable {
    /// Stores a new open session.
    func insertSession(_ transfer: TransferRecord) async throws
    /// The session or transfer with this tracking id.
    func transfer(_ trackingId: TrackingID) async throws -> TransferRecord?
    /// Replaces the editable parts of an open session; returns false when it is no longer open.
    func updateSession(_ transfer: TransferRecord) async throws -> Bool
    /// Removes a session or transfer with its files, recipients and downloads.
    func deleteTransfer(_ trackingId: TrackingID) async throws

    /// The files of a session or transfer, in registration order.
    func files(of trackingId: TrackingID) async throws -> [FileRecord]
    /// Registers a file; throws `SealdropError.conflict` when the name is taken in this session.
    func insertFile(_ file: FileRecord) async throws
    /// Replaces a file's state after an upload attempt.
    func updateFile(_ file: FileRecord) async throws
    /// Removes a registered file.
    func deleteFile(_ trackingId: TrackingID, _ fileId: FileID) async throws

    /// Turns an open session into an active transfer, with its files' ZIP listings, its recipients, queued mails and
    /// archive job, atomically.
    func finalize(_ transfer: TransferRecord, zipListings: [FileID: ZipListing], recipients: [RecipientRecord], mails: [OutboxMessage],
                  archiveJob: ArchiveJob?) async throws -> Bool
    /// Ends a transfer (expiry, revocation, admin, security): sets the state, drops keys, marks files removed, queues mails.
    func endTransfer(_ trackingId: TrackingID, state: TransferState, mails: [OutboxMessage]) async throws -> Bool

    /// Transfers sent by an address, newest first, one page at a time (page starts at 1).
    func transfers(sentBy email: EmailAddress, active: Bool?, page: Int, pageSize: Int) async throws -> [TransferRecord]
    /// Transfers an address received, newest first.
    func transfers(receivedBy email: EmailAddress, active: Bool?, page: Int, pageSize: Int) async throws -> [TransferRecord]

    /// The recipients of a transfer.
    func recipients(of trackingId: TrackingID) async throws -> [RecipientRecord]
    /// One recipient's record by its transfer id.
    func recipient(_ transferId: TransferID) async throws -> RecipientRecord?
    /// Counts a failed password attempt unless the recipient is locked at `now`; returns the new count, or nil
    /// when nothing was counted (locked, or no such recipient), so guesses that arrive during a lock never count.
    func recordFailedAttempt(_ transferId: TransferID, now: Date) async throws -> Int?
    /// Locks a recipient's transfer id until a date, resets its failure count and queues the alert mails, atomically;
    /// returns false and changes nothing when it is already locked at `now` (one lock and one set of alerts per lock).
    func lock(_ transferId: TransferID, until: Date, now: Date, mails: [OutboxMessage]) async throws -> Bool
    /// Clears the failure count after a correct password.
    func resetFailedAttempts(_ transferId: TransferID) async throws

    /// Records a download.
    func recordDownload(_ event: DownloadEvent) async throws
    /// All downloads of a transfer.
    func downloads(of trackingId: TrackingID) async throws -> [DownloadEvent]

    /// Active transfers whose expiration date has passed.
    func expiredTransfers(asOf now: Date) async throws -> [TrackingID]
    /// Open sessions not touched since the given date.
    func abandonedSessions(notUpdatedSince date: Date) async throws -> [TrackingID]
    /// Tracking ids whose content may still exist on disk (open, processing or active).
    func liveTrackingIds() async throws -> Set<String>
}

extension TransferRepository {
    /// Finalizes a transfer whose files have no ZIP listings.
    public func finalize(_ transfer: TransferRecord, recipients: [RecipientRecord], mails: [OutboxMessage]) async throws -> Bool {
        try await finalize(transfer, zipListings: [:], recipients: recipients, mails: mails, archiveJob: nil)
    }
}

/// Persistence of verification codes and granted verifications.
public protocol VerificationRepository: Sendable {
    /// Stores a new code for (email, client id), replacing earlier ones, together with the mail carrying it.
    func storeCode(_ code: VerificationCodeRecord, mail: OutboxMessage) async throws
    /// The pending code for (email, client id).
    func code(email: EmailAddress, clientId: String) async throws -> VerificationCodeRecord?
    /// Counts a failed code attempt and returns the new count.
    func recordFailedCodeAttempt(email: EmailAddress, clientId: String) async throws -> Int
    /// Removes the pending code for (email, client id).
    func deleteCode(email: EmailAddress, clientId: String) async throws
    /// Consumes the code and stores the verification it grants.
    func redeemCode(email: EmailAddress, clientId: String, granting verification: VerificationRecord) async throws
    /// The verification granted for a token hash.
    func verification(tokenHash: [UInt8]) async throws -> VerificationRecord?
    /// Ends the verification granted for a token hash (the sender removed the identity); no-op if unknown.
    func deleteVerification(tokenHash: [UInt8]) async throws
    /// Marks a verification as used now (restarts the idle term).
    func touchVerification(tokenHash: [UInt8], at date: Date) async throws
    /// Deletes verifications and codes that can no longer be used.
    func deleteExpiredVerifications(maxValidBefore: Date, idleSince: Date, now: Date) async throws
    /// Ends every sender verification (the admin's "reset all verifications"); returns how many.
    func deleteAllVerifications() async throws -> Int
}

/// The persisted mail queue.
public protocol OutboxRepository: Sendable {
    /// Adds messages to the queue.
    func enqueue(_ messages: [OutboxMessage]) async throws
    /// Queued messages whose next attempt is due, oldest first, verification codes after all other mail.
    func dueMessages(asOf now: Date, limit: Int) async throws -> [OutboxMessage]
    /// Marks a message delivered and drops its body (subject and envelope stay for the log).
    func markSent(_ id: Int64, at date: Date) async throws
    /// Schedules another attempt after a temporary failure.
    func markRetry(_ id: Int64, attempts: Int, nextAttemptAt: Date, error: String) async throws
    /// Gives up on a message; a failed recipient notification or upload summary is flagged on its
    /// recipient or transfer (`notificationFailed`).
    func markFailed(_ id: Int64, attempts: Int, error: String) async throws
    /// The most recent messages, newest first.
    func recentMessages(limit: Int) async throws -> [OutboxMessage]
    /// Number of queued messages.
    func queuedCount() async throws -> Int
    /// Messages per state (QUEUED, SENT, FAILED).
    func outboxCounts() async throws -> [OutboxState: Int]
    func outboxMessage(_ id: Int64) async throws -> OutboxMessage?
    /// Puts a FAILED message back into the queue, due now; false if it is not FAILED.
    func retryFailed(_ id: Int64, now: Date) async throws -> Bool
}
