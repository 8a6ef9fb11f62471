import Foundation
import Logging

/// One line of the system log as stdout (`SEALDROP_LOG_FORMAT=json`) and the log file write it: a JSON object with
/// `time`, `level`, `label`, `message` and each metadata key at the top level, keys sorted.
public enum SystemLogLine {
    /// The line for a record, with its newline; nil if it cannot be encoded.
    public static func json(date: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> Data? {
        var object: [String: String] = [:]
        for (key, value) in metadata { object[key] = value.description }
        object["time"] = date.formatted(.iso8601)
        object["level"] = level.rawValue
        object["label"] = label
        object["message"] = message
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return data + Data("\n".utf8)
    }

    /// The top-level keys every line has; the others are metadata.
    static let fixedKeys: Set<String> = ["time", "level", "label", "message"]
}

/// One record of the system log read back from disk.
public struct SystemLogEntry: Sendable, Equatable, Codable {
    public var time: String
    public var level: String
    public var label: String
    public var message: String
    public var metadata: [String: String]

    public init(time: String, level: String, label: String, message: String, metadata: [String: String]) {
        self.time = time
        self.level = level
        self.label = label
        self.message = message
        self.metadata = metadata
    }

    /// The entry of a JSON line; nil for anything else (a torn last line, a line written by something else).
    public init?(line: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
              let level = object["level"] as? String, let message = object["message"] as? String else { return nil }
        self.time = object["time"] as? String ?? ""
        self.level = level
        self.label = object["label"] as? String ?? ""
        self.message = message
        var metadata: [String: String] = [:]
        for (key, value) in object where !SystemLogLine.fixedKeys.contains(key) { metadata[key] = "\(value)" }
        self.metadata = metadata
    }

    /// The line as the text log writes it: `time level label: message key=value`.
    public var text: String {
        let pairs = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(time) \(level) \(label): \(message)" + (pairs.isEmpty ? "" : " " + pairs)
    }
}
