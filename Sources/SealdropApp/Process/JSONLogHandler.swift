import Foundation
import Logging
import SealdropServices

/// One JSON object per line on standard error: time, level, label, message and metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        guard let line = SystemLogLine.json(date: Date(), level: event.level, label: label, message: event.message.description, metadata: all) else { return }
        FileHandle.standardError.write(line)
    }
}
