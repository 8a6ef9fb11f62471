import Logging
import SealdropServices

/// The process's log output.
public struct LogConfiguration: Sendable, Equatable {
    /// Log output format.
    public enum Format: String, Sendable { case text, json }

    /// `SEALDROP_LOG_LEVEL` / `logLevel`: trace, debug, info, notice, warning, error or critical. Default `info`.
    public var level: Logger.Level = .info
    /// `SEALDROP_LOG_FORMAT` / `logFormat`: `text` or `json` (one object per line). Default `text`.
    public var format: Format = .text
    /// `SEALDROP_LOG_FILE` (`on`/`off`), `SEALDROP_LOG_FILE_MAX_BYTES`, `SEALDROP_LOG_FILE_COUNT`: the log also kept in
    /// `<data dir>/logs/sealdrop.log`, rotated at 10 MiB, 10 rotated files kept. Nil: stdout only.
    public var file: SystemLogFiles?

    public init(level: Logger.Level = .info, format: Format = .text, file: SystemLogFiles? = nil) {
        self.level = level
        self.format = format
        self.file = file
    }
}
