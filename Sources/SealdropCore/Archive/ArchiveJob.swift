import Foundation

/// One transfer's archive copy waiting in, or done by, the archive queue (`docs/archiving.md`).
///
/// Written in the transaction that finalizes the transfer, with everything the copy needs prepared in the spool
/// (`entries`); a copy is done only once the archive target confirmed every entry.
public struct ArchiveJob: Sendable, Equatable {
    /// Where a job stands.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Not archived yet: waiting for its first attempt or for the next retry.
        case pending
        /// Every entry is on the archive target under its ready name.
        case archived
        /// Cannot succeed without an administrator (its spool is gone or unreadable); retried only on request.
        case failed
    }

    /// One file of the copy: its name on the target (before suffixes) and its spool file.
    public struct Entry: Codable, Sendable, Equatable {
        /// What the entry is, for the metadata and the log.
        public enum Kind: String, Codable, Sendable {
            case file, metadata, eml
        }

        public var kind: Kind
        /// The name in the transfer's folder on the target, made safe and distinct (`ArchiveNames`); in age mode it
        /// ends with `.age`.
        public var name: String
        /// The spool file, relative to the job's spool folder.
        public var spoolFile: String
        /// The transfer's file this entry is (kind `file`), for its key in plain mode.
        public var fileId: String?
        /// Bytes the target receives.
        public var size: Int64

        public init(kind: Kind, name: String, spoolFile: String, fileId: String? = nil, size: Int64) {
            self.kind = kind
            self.name = name
            self.spoolFile = spoolFile
            self.fileId = fileId
            self.size = size
        }
    }

    public var trackingId: TrackingID
    public var state: State
    /// The mode the spool was prepared in (plain: the transfer key is kept sealed until done; age: sealed files).
    public var mode: ArchiveSettings.Mode
    public var entries: [Entry]
    /// Plain mode only: the transfer key sealed with the server key, removed (and wiped) once archived.
    public var sealedKey: [UInt8]?
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var archivedAt: Date?

    public init(trackingId: TrackingID, state: State = .pending, mode: ArchiveSettings.Mode, entries: [Entry], sealedKey: [UInt8]?,
                attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, archivedAt: Date? = nil) {
        self.trackingId = trackingId
        self.state = state
        self.mode = mode
        self.entries = entries
        self.sealedKey = sealedKey
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.archivedAt = archivedAt
    }
}

/// The persisted archive queue.
public protocol ArchiveRepository: Sendable {
    /// Pending jobs due at `date`, oldest first.
    func dueArchiveJobs(asOf date: Date, limit: Int) async throws -> [ArchiveJob]
    /// The job of a transfer, if it has one.
    func archiveJob(_ trackingId: TrackingID) async throws -> ArchiveJob?
    /// Jobs for the admin, newest first; `states` nil: all.
    func archiveJobs(states: Set<ArchiveJob.State>?, limit: Int, offset: Int) async throws -> [ArchiveJob]
    /// How many jobs are in each state.
    func archiveJobCounts() async throws -> [ArchiveJob.State: Int]
    /// Marks a job archived and removes its sealed key (wiped from the database files).
    func markArchived(_ trackingId: TrackingID, attempts: Int, at date: Date) async throws
    /// Records a failed attempt and when to try again.
    func markArchiveRetry(_ trackingId: TrackingID, attempts: Int, nextAttemptAt: Date, error: String) async throws
    /// Records that a job cannot succeed on its own.
    func markArchiveFailed(_ trackingId: TrackingID, attempts: Int, error: String) async throws
    /// Makes a pending or failed job due now; false when there is no such job or it is archived.
    func retryArchiveJob(_ trackingId: TrackingID, at date: Date) async throws -> Bool
    /// Makes every pending job waiting for a later retry due at `date`; returns how many.
    func retryWaitingArchiveJobs(at date: Date) async throws -> Int
    /// Tracking ids of every job not archived yet (their spool folders must stay).
    func unarchivedTrackingIds() async throws -> Set<String>
}
