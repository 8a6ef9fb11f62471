import Logging
import ServiceLifecycle

/// The loop of a background service: one pass, then a pause, until graceful shutdown.
///
/// Shutdown cancels the pause (never a pass half-way through a unit of work); a failed pass is
/// logged by its error type only and the loop goes on.
enum PeriodicLoop {
    static func run(
        interval: @escaping @Sendable () -> Duration, logger: Logger, failureEvent: Logger.Message,
        pass: @escaping @Sendable () async throws -> Void
    ) async {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await pass()
                } catch is CancellationError {
                    break
                } catch {
                    logger.error(failureEvent, metadata: ["error.type": "\(type(of: error))"])
                }
                try await Task.sleep(for: interval())
            }
        }
    }
}
