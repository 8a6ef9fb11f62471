import Foundation

/// Where the system log is kept on disk and when it rotates: `<directory>/sealdrop.log`, rotated by renaming to
/// `sealdrop.log.1` … `sealdrop.log.<rotatedCount>` once it reaches `maxBytes` (`docs/operations.md`, System log).
public struct SystemLogFiles: Sendable, Equatable {
    /// The directory of the files (`<data dir>/logs`).
    public var directory: String
    /// Size at which the current file is rotated (`SEALDROP_LOG_FILE_MAX_BYTES`).
    public var maxBytes: Int
    /// Rotated files kept besides the current one (`SEALDROP_LOG_FILE_COUNT`).
    public var rotatedCount: Int
    /// The current file's name.
    public static let baseName = "sealdrop.log"

    public init(directory: String, maxBytes: Int = 10 * 1024 * 1024, rotatedCount: Int = 10) {
        self.directory = directory
        self.maxBytes = max(1, maxBytes)
        self.rotatedCount = max(1, rotatedCount)
    }

    /// The current file (`rotation` 0) or a rotated one (`sealdrop.log.<rotation>`, higher is older).
    public func path(rotation: Int) -> String {
        directory + "/" + Self.baseName + (rotation == 0 ? "" : ".\(rotation)")
    }

    /// A file of the log that exists now.
    public struct Existing: Sendable, Equatable {
        public let name: String
        public let path: String
        public let size: UInt64
        public let modified: Date
    }

    /// The files that exist, newest first (current, then `.1`, `.2`, …).
    public func existing() -> [Existing] {
        (0...rotatedCount).compactMap { rotation in
            let path = path(rotation: rotation)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  (attributes[.type] as? FileAttributeType) == .typeRegular else { return nil }
            return Existing(name: (path as NSString).lastPathComponent, path: path,
                            size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0, modified: attributes[.modificationDate] as? Date ?? Date())
        }
    }
}
