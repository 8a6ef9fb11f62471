import Foundation
import Logging
import SealdropCore
import SealdropHTTP
import SealdropServices

/// Installs the process-wide log handler once, at start: the chosen output, the log file in the data dir (unless
/// `SEALDROP_LOG_FILE=off`), plus the in-memory buffer of recent lines the admin status page shows.
enum LogSetup {
    /// Returns the log file's writer (nil without a log file); throws when the file cannot be opened.
    @discardableResult
    static func bootstrap(_ configuration: LogConfiguration, recent buffer: RecentLogLines) throws -> SystemLogWriter? {
        let level = configuration.level
        let format = configuration.format
        var writer: SystemLogWriter?
        if let files = configuration.file {
            let fileWriter = SystemLogWriter(files: files)
            do {
                try fileWriter.start()
            } catch {
                throw ConfigurationError(key: "SEALDROP_LOG_FILE", problem: "\(error); set SEALDROP_LOG_FILE=off to log to standard error only")
            }
            writer = fileWriter
        }
        // swift-log has one handler factory per process; the buffer is captured here, and passed to the server by init.
        LoggingSystem.bootstrap { [writer] label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            var recent = buffer.handler(label: label)
            recent.logLevel = level
            var handlers: [any LogHandler] = [handler, recent]
            if let writer {
                var file = SystemLogFileHandler(label: label, writer: writer)
                file.logLevel = level
                handlers.append(file)
            }
            return MultiplexLogHandler(handlers)
        }
        return writer
    }
}
