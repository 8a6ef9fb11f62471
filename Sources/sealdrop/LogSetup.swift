import Foundation
import Logging
import SealdropHTTP

/// Installs the process-wide log handler once, at start.
enum LogSetup {
    static func bootstrap(level: Logger.Level, format: ServerConfiguration.LogFormat) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
