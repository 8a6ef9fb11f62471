import Foundation
import Logging
import Synchronization

/// The most recent log lines in memory, for the admin status page (spec §2.0: the admin interface shows
/// the latest system-log lines). Bounded: the oldest line goes when the buffer is full.
public final class RecentLogLines: Sendable {
    /// The process-wide buffer the `serve` command's log handler feeds.
    public static let shared = RecentLogLines(capacity: 200)

    private let lines: Mutex<[String]>
    let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
        self.lines = Mutex([])
    }

    public func append(_ line: String) {
        lines.withLock { lines in
            lines.append(line)
            if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
        }
    }

    /// Up to `limit` lines, newest last.
    public func recent(_ limit: Int) -> [String] {
        lines.withLock { Array($0.suffix(limit)) }
    }

    /// A log handler that writes into this buffer.
    public func handler(label: String) -> some LogHandler { RecentLogHandler(label: label, buffer: self) }
}

/// Formats records like the text log (`time level label: message key=value`) into a `RecentLogLines`.
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
        let all = self.metadata.merging(explicit ?? [:]) { $1 }
        let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = ISO8601DateFormatter().string(from: Date())
        buffer.append("\(time) \(level) \(label): \(message)" + (pairs.isEmpty ? "" : " " + pairs))
    }
}
