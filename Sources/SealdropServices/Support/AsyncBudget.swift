import Synchronization

/// A counting semaphore for async code: at most `limit` holders at a time, the rest wait in order.
///
/// Downloads take one unit per decrypted segment they hold, so hundreds of concurrent downloads keep a
/// bounded number of segments in memory instead of one (or several) each.
public final class AsyncBudget: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state: Mutex<State>

    public init(limit: Int) {
        state = Mutex(State(available: max(1, limit)))
    }

    /// Waits for a unit.
    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s -> Bool in
                if s.available > 0 {
                    s.available -= 1
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Returns a unit, to the longest waiter if there is one.
    public func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.head < s.waiters.count else {
                s.available += 1
                return nil
            }
            let waiter = s.waiters[s.head]
            s.head += 1
            if s.head > 64, s.head * 2 > s.waiters.count {
                s.waiters.removeFirst(s.head)
                s.head = 0
            }
            return waiter
        }
        next?.resume()
    }

    /// Units free right now.
    public var available: Int { state.withLock { $0.available } }
}
