import Foundation
import ServiceLifecycle

/// Runs blocking file-system calls — the `fsync` of a finished blob, its rename, the directory sync — on
/// threads of its own.
///
/// An `fsync` waits for the disk, milliseconds to seconds. On the cooperative threads (two on a 2-core
/// server) that wait would stop every other upload's hashing and encryption and every other request;
/// here up to `maxConcurrent` syncs wait side by side, which also lets the file system fold them into
/// shared journal commits. Threads start with the first job; as a `Service` the runner stops them at
/// graceful shutdown once the queued jobs are done, and releasing the runner stops them too.
public final class FileSyncRunner: Service, Sendable {
    private let workers: WorkerThreads

    /// How many calls may wait for the disk at the same time (the number of threads).
    public var maxConcurrent: Int { workers.limit }

    /// A runner with `maxConcurrent` threads; they wait rather than compute, so more than the cores.
    public init(maxConcurrent: Int = 8) {
        self.workers = WorkerThreads(limit: max(1, maxConcurrent), name: "sealdrop.fsync")
    }

    deinit { workers.stop() }

    /// Jobs waiting for a thread.
    public var queuedCount: Int { workers.queuedCount }

    /// Runs `work` on a runner thread once one is free.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await workers.perform(work, whenStopped: FileSyncRunnerError.stopped)
    }

    /// Waits for graceful shutdown, then stops taking jobs and returns once the queued ones are done.
    ///
    /// List the runner before the services that use it, so the group shuts it down after them.
    public func run() async throws {
        try? await gracefulShutdown()
        await workers.stopAndWait()
    }
}

/// A job was submitted after the runner was stopped.
public enum FileSyncRunnerError: Error, Sendable {
    /// The runner no longer takes jobs.
    case stopped
}
