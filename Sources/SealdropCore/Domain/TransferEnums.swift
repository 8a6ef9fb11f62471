/// How the transfer password comes about (spec §6.3, ONE_TIME_PASSWORD security mode).
public enum PasswordMode: String, Codable, Sendable, CaseIterable {
    /// A random password the server puts into the recipient's link.
    case none = "NONE"
    /// A password the sender typed; it must satisfy the password policy.
    case manual = "MANUAL"
    /// A password the server generated and showed to the sender once.
    case generated = "GENERATED"
}

/// The life-cycle state of a transfer session and, after finalize, of the transfer.
public enum TransferState: String, Codable, Sendable, CaseIterable {
    /// Still a transfer session: files may be registered and uploaded.
    case open = "OPEN"
    /// Being finalized.
    case processing = "PROCESSING"
    /// Downloadable by its recipients.
    case active = "ACTIVE"
    /// Finalization failed; every file was removed.
    case failed = "FAILED"
    /// Expired and cleaned up.
    case deletedByExpiration = "DELETED_BY_EXPIRATION"
    /// Revoked by the sender.
    case deletedByRevocation = "DELETED_BY_REVOCATION"
    /// Deleted by an administrator.
    case deletedByAdmin = "DELETED_BY_ADMIN"
    /// Deleted by download protection.
    case deletedBySecurity = "DELETED_BY_SECURITY"

    /// Whether the transfer has ended and its content is gone.
    public var isDeleted: Bool {
        switch self {
        case .deletedByExpiration, .deletedByRevocation, .deletedByAdmin, .deletedBySecurity, .failed: true
        case .open, .processing, .active: false
        }
    }
}

/// The state of one file in a session or transfer (spec §6.3).
public enum FileState: String, Codable, Sendable {
    /// Registered, content not (completely) uploaded.
    case initialized = "INITIALIZED"
    /// Content uploaded and verified; session not yet finalized.
    case uploaded = "UPLOADED"
    /// Part of a finalized, downloadable transfer.
    case active = "ACTIVE"
    /// Content removed (expiry, revocation, deletion).
    case removed = "REMOVED"
}

/// The address field a recipient was named in.
public enum RecipientKind: String, Codable, Sendable {
    case to, cc, bcc
}

/// How a recipient retrieved a file (spec §7.2).
public enum RetrievalMethod: String, Codable, Sendable {
    case downloaded = "DOWNLOADED"
    case viewed = "VIEWED"
}
