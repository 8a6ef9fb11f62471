import Foundation

/// One backup in a backup directory, as the admin lists it.
public struct BackupListing: Sendable, Equatable {
    /// Whether a backup can be restored.
    public enum State: String, Codable, Sendable {
        /// Renamed into place with a manifest that reads; `verify` checks the contents.
        case complete
        /// Still being written, or left by a run that was interrupted (the next run removes it).
        case partial
        /// Its manifest is missing or unreadable.
        case invalid
    }

    /// The folder name (without `.partial`).
    public var name: String
    public var state: State
    /// From the manifest; the folder's modification time when there is none.
    public var createdAt: Date?
    /// Bytes the manifest lists (zero without one).
    public var size: Int64
    /// Files the manifest lists (zero without one).
    public var files: Int
    public var includesServerKey: Bool

    public init(name: String, state: State, createdAt: Date?, size: Int64, files: Int, includesServerKey: Bool) {
        self.name = name
        self.state = state
        self.createdAt = createdAt
        self.size = size
        self.files = files
        self.includesServerKey = includesServerKey
    }
}
