import Dispatch
import Foundation
import SealdropCrypto
import Synchronization

/// Runs memory-hard password derivations off the cooperative pool, a bounded number at a time.
///
/// scrypt takes tens of milliseconds and 32 MiB each; bounding the concurrency keeps memory flat and
/// keeps a flood of password attempts from starving every other request.
public final class KeyDerivationRunner: Sendable {
    private let queue = DispatchQueue(label: "sealdrop.kdf", attributes: .concurrent)
    private let slots: AsyncSemaphore

    public init(maxConcurrent: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)) {
        self.slots = AsyncSemaphore(value: maxConcurrent)
    }

    /// Runs `work` on the KDF queue once a slot is free.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        await slots.wait()
        defer { slots.signal() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// A counting semaphore for async code; waiters resume in FIFO order.
final class AsyncSemaphore: Sendable {
    private struct State {
        var value: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(value: Int) {
        self.state = Mutex(State(value: value))
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.value > 0 {
                    s.value -= 1
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func signal() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.value += 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
