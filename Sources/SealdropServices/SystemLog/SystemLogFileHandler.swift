import Foundation
import Logging

/// A log handler that writes JSON lines (as stdout's JSON format has them) to the system log file.
public struct SystemLogFileHandler: LogHandler {
    let label: String
    let writer: SystemLogWriter
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String, writer: SystemLogWriter) {
        self.label = label
        self.writer = writer
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = event.metadata.map { metadata.merging($0) { $1 } } ?? metadata
        guard let line = SystemLogLine.json(date: Date(), level: event.level, label: label, message: event.message.description, metadata: all) else { return }
        writer.write(line)
    }
}
