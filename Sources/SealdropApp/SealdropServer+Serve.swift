import Logging
import SealdropHTTP

extension SealdropServer {
    /// `sealdrop serve` after the configuration loaded: installs the log handler (with the buffer of recent lines
    /// the admin status page shows) and the allocator settings, builds the server and runs it until SIGTERM/SIGINT.
    public static func serve(configuration: ServerConfiguration) async throws {
        let logLines = RecentLogLines(capacity: 200)
        let logFile = try LogSetup.bootstrap(configuration.logging, recent: logLines)
        // The log file's last lines are written before the process ends.
        defer { logFile?.close() }
        MemorySetup.tune()
        let server = try build(configuration: configuration, logger: Logger(label: "sealdrop"), logLines: logLines)
        try await server.run()
    }
}
