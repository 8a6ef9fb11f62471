import Foundation
import ServiceLifecycle

/// Runs memory-hard password derivations on threads of its own, a bounded number at a time, in arrival order.
///
/// scrypt takes tens of milliseconds and 32 MiB each. On Linux, Dispatch's shared queues run on the same few
/// threads as Swift concurrency's global executor, so derivations there would stall every other request;
/// these threads belong to the runner alone. At most `maxConcurrent` derivations run at once (one per
/// thread), the rest wait in a FIFO queue with their callers suspended, which keeps memory flat.
///
/// Threads start with the first derivation. As a `Service` the runner stops them at graceful shutdown once
/// the queued derivations are done; releasing the runner stops them too.
public final class KeyDerivationRunner: Service, Sendable {
    private let workers: WorkerThreads

    /// How many derivations run at the same time (the number of threads).
    public var maxConcurrent: Int { workers.limit }

    /// A runner with `maxConcurrent` threads; the default leaves one core to the request handlers.
    public init(maxConcurrent: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)) {
        self.workers = WorkerThreads(limit: max(1, maxConcurrent), name: "sealdrop.kdf")
    }

    deinit { workers.stop() }

    /// Runs `work` on a runner thread once one is free.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await workers.perform(work, whenStopped: KeyDerivationRunnerError.stopped)
    }

    /// Waits for graceful shutdown, then stops taking derivations and returns once the queued ones are done.
    ///
    /// List the runner before the services that use it, so the group shuts it down after them.
    public func run() async throws {
        try? await gracefulShutdown()
        await workers.stopAndWait()
    }

    /// Derivations waiting for a thread.
    public var queuedCount: Int { workers.queuedCount }

    /// Whether the runner has stopped taking derivations.
    var isStopping: Bool { workers.isStopping }
}

/// A derivation was submitted after the runner was stopped.
public enum KeyDerivationRunnerError: Error, Sendable {
    /// The runner no longer takes derivations.
    case stopped
}
