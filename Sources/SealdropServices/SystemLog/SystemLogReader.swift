import Foundation
import Logging

/// Reads the system log files back, newest line first, for the admin's System log page and API.
public struct SystemLogReader: Sendable {
    public let files: SystemLogFiles

    public init(files: SystemLogFiles) {
        self.files = files
    }

    /// A page of entries, newest first.
    public struct Page: Sendable, Equatable {
        public var entries: [SystemLogEntry]
        /// Whether older matching entries exist beyond this page.
        public var hasMore: Bool
    }

    /// The largest page the API and page hand out.
    public static let maxLimit = 1000

    /// Up to `limit` entries at `minimumLevel` or above, skipping the `offset` newest matching ones. Files are read
    /// one at a time from the newest, and only as far as the page needs.
    public func entries(minimumLevel: Logger.Level = .trace, limit: Int, offset: Int = 0) -> Page {
        let limit = min(max(limit, 1), Self.maxLimit), offset = max(offset, 0)
        var entries: [SystemLogEntry] = []
        var skipped = 0
        for file in files.existing() {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            for line in data.split(separator: UInt8(ascii: "\n")).reversed() {
                guard let entry = SystemLogEntry(line: Data(line)),
                      let level = Logger.Level(rawValue: entry.level), level >= minimumLevel else { continue }
                if skipped < offset { skipped += 1; continue }
                if entries.count == limit { return Page(entries: entries, hasMore: true) }
                entries.append(entry)
            }
        }
        return Page(entries: entries, hasMore: false)
    }
}
