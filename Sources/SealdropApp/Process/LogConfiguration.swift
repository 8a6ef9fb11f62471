import Logging

/// The process's log output.
public struct LogConfiguration: Sendable, Equatable {
    /// Log output format.
    public enum Format: String, Sendable { case text, json }

    /// `SEALDROP_LOG_LEVEL` / `logLevel`: trace, debug, info, notice, warning, error or critical. Default `info`.
    public var level: Logger.Level = .info
    /// `SEALDROP_LOG_FORMAT` / `logFormat`: `text` or `json` (one object per line). Default `text`.
    public var format: Format = .text

    public init(level: Logger.Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }
}
