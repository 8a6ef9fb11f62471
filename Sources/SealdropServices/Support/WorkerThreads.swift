import Dispatch
import Foundation
import Synchronization

/// A runner's threads and their job queue; threads hold this object, never the runner, so releasing the
/// runner can stop them. Threads start with the first job, up to `limit`, and carry `name` (seen in `top -H`).
///
/// `available` counts queued jobs plus, once stopping, one wake-up per thread: a thread that wakes to an
/// empty queue exits, so every queued job still runs before the last thread is gone.
final class WorkerThreads: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var started = 0
        var alive = 0
        var stopping = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let limit: Int
    let name: String
    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)

    init(limit: Int, name: String) {
        self.limit = limit
        self.name = name
    }

    /// Runs `work` on one of the threads once one is free; throws `stopped` once the threads are stopping.
    func perform<T: Sendable>(_ work: @escaping @Sendable () throws -> T, whenStopped stopped: any Error) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let queued = submit { continuation.resume(with: Result { try work() }) }
            if !queued { continuation.resume(throwing: stopped) }
        }
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
        Thread.current.name = name
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
