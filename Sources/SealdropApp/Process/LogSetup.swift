import Foundation
import Logging
import SealdropHTTP

/// Installs the process-wide log handler once, at start: the chosen output, plus the in-memory buffer of
/// recent lines the admin status page shows.
enum LogSetup {
    static func bootstrap(_ configuration: LogConfiguration, recent buffer: RecentLogLines) {
        let level = configuration.level
        let format = configuration.format
        // swift-log has one handler factory per process; the buffer is captured here, and passed to the server by init.
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            var recent = buffer.handler(label: label)
            recent.logLevel = level
            return MultiplexLogHandler([handler, recent])
        }
    }
}
