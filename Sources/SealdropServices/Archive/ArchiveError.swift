import Foundation

/// Why an archive copy could not be prepared or written, in words for the admin's queue view.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    /// What failed, naming the step (and the target's own answer, where it gave one).
    public let description: String
    /// Whether retrying cannot help (the spool is gone or unreadable); such jobs wait for an administrator.
    public let permanent: Bool
    /// The disk was full (the spool at finalize: the transfer is refused like a full upload).
    public let diskFull: Bool

    public init(_ description: String, permanent: Bool = false, diskFull: Bool = false) {
        self.description = description
        self.permanent = permanent
        self.diskFull = diskFull
    }

    /// A file-system failure in the spool.
    static func spool(_ what: String, errno code: Int32) -> ArchiveError {
        ArchiveError("archive spool: \(what): \(String(cString: strerror(code)))", diskFull: code == ENOSPC)
    }
}
