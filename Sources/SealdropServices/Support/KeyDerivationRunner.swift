import Dispatch
import Foundation
import ServiceLifecycle
import Synchronization

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
    private let workers: KeyDerivationWorkers

    /// How many derivations run at the same time (the number of threads).
    public var maxConcurrent: Int { workers.limit }

    /// A runner with `maxConcurrent` threads; the default leaves one core to the request handlers.
    public init(maxConcurrent: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)) {
        self.workers = KeyDerivationWorkers(limit: max(1, maxConcurrent))
    }

    deinit { workers.stop() }

    /// Runs `work` on a runner thread once one is free.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let queued = workers.submit { continuation.resume(with: Result { try work() }) }
            if !queued { continuation.resume(throwing: KeyDerivationRunnerError.stopped) }
        }
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

/// The runner's threads and their job queue; threads hold this object, never the runner, so releasing the
/// runner can stop them.
///
/// `available` counts queued jobs plus, once stopping, one wake-up per thread: a thread that wakes to an
/// empty queue exits, so every queued job still runs before the last thread is gone.
final class KeyDerivationWorkers: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var started = 0
        var alive = 0
        var stopping = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let limit: Int
    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)

    init(limit: Int) {
        self.limit = limit
    }

    var queuedCount: Int { state.withLock { $0.jobs.count } }

    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Queues a job, starting another thread while fewer than `limit` exist; false once stopping.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let outcome = state.withLock { s -> (queued: Bool, newThread: Bool) in
            guard !s.stopping else { return (false, false) }
            s.jobs.append(job)
            guard s.started < limit else { return (true, false) }
            s.started += 1
            s.alive += 1
            return (true, true)
        }
        guard outcome.queued else { return false }
        if outcome.newThread {
            Thread { self.work() }.start()
        }
        available.signal()
        return true
    }

    /// Stops taking jobs and wakes every thread; each exits once the queue is empty.
    func stop() {
        let threads = state.withLock { s -> Int in
            guard !s.stopping else { return 0 }
            s.stopping = true
            return s.started
        }
        for _ in 0..<threads { available.signal() }
    }

    /// Stops, then waits until every thread has exited.
    func stopAndWait() async {
        stop()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                guard s.alive > 0 else { return true }
                s.exitWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// A thread's loop: run jobs in order until woken to an empty queue.
    private func work() {
        // Named from inside: on Linux a name set before `start()` does not reach the OS thread (`top -H`).
        Thread.current.name = "sealdrop.kdf"
        while true {
            available.wait()
            guard let job = state.withLock({ s in s.jobs.isEmpty ? nil : s.jobs.removeFirst() }) else { break }
            job()
        }
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.alive -= 1
            guard s.alive == 0 else { return [] }
            defer { s.exitWaiters = [] }
            return s.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
