import Foundation
import Logging
import Synchronization

/// The most recent log lines in memory, for the admin status page (spec §2.0: the admin interface shows
/// the latest system-log lines). Bounded: the oldest line goes when the buffer is full.
public final class RecentLogLines: Sendable {
    /// One record, formatted only when the status page asks for it (logging stays cheap).
    struct Record: Sendable {
        let date: Date
        let level: Logger.Level
        let label: String
        let message: String
        let metadata: Logger.Metadata
    }

    private let lines: Mutex<[Record]>
    let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
        self.lines = Mutex([])
    }

    func append(_ record: Record) {
        lines.withLock { lines in
            lines.append(record)
            if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
        }
    }

    /// Up to `limit` lines, newest last, like the text log: `time level label: message key=value`.
    public func recent(_ limit: Int) -> [String] {
        let records = lines.withLock { Array($0.suffix(limit)) }
        let formatter = ISO8601DateFormatter()
        return records.map { r in
            let pairs = r.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(formatter.string(from: r.date)) \(r.level) \(r.label): \(r.message)" + (pairs.isEmpty ? "" : " " + pairs)
        }
    }

    /// A log handler that writes into this buffer.
    public func handler(label: String) -> some LogHandler { RecentLogHandler(label: label, buffer: self) }
}

/// Keeps records in a `RecentLogLines`.
struct RecentLogHandler: LogHandler {
    let label: String
    let buffer: RecentLogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = explicit.map { self.metadata.merging($0) { $1 } } ?? self.metadata
        buffer.append(.init(date: Date(), level: level, label: label, message: message.description, metadata: all))
    }
}
