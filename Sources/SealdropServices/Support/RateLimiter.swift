import Crypto
import Foundation
import Synchronization

/// A sliding-window counter per key, in memory, bounded in memory and time whatever the callers send.
///
/// Keys are stored as 16 bytes of their SHA-256, so a 4,000-byte header costs what a short one does. Each
/// key holds one entry in a queue ordered by when it was last due to expire; every call pops the due head of
/// that queue (an entry re-queued only when its key was used since), so expiry is O(1) amortized. When
/// more than twice `maxKeys` keys are live, the quietest keys are forgotten first.
public final class RateLimiter: Sendable {
    /// The SHA-256 of a key, truncated to 128 bits.
    struct Key: Hashable, Sendable {
        let high: UInt64
        let low: UInt64

        init(_ text: String) {
            let digest = Array(SHA256.hash(data: Array(text.utf8)))
            high = digest[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = digest[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    /// The events of one key inside the window, oldest first.
    struct Entry {
        var events: [Date]
    }

    /// A key with the moment it was due to expire when queued.
    struct Due {
        let key: Key
        let at: Date
    }

    /// Everything under the lock: the table and the expiry queue (an array with a moving head).
    struct State {
        var table: [Key: Entry] = [:]
        var queue: [Due] = []
        var head = 0

        var queueIsEmpty: Bool { head >= queue.count }

        mutating func popFirst() -> Due {
            let first = queue[head]
            head += 1
            // Compacted once the consumed half dominates: O(1) amortized per pop.
            if head >= 1024 && head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return first
        }
    }

    private let state = Mutex(State())
    private let limit: Int
    private let window: TimeInterval
    private let capacity: Int

    /// Allows `limit` events per key within `window` seconds; at most `2 × maxKeys` keys are remembered.
    public init(limit: Int, window: TimeInterval, maxKeys: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.capacity = 2 * max(1, maxKeys)
    }

    /// Records an event for `key` and returns false when the key is over its limit (`limit` overrides the
    /// one given at creation, so a live setting applies at once).
    public func allow(_ key: String, limit: Int? = nil, now: Date = Date()) -> Bool {
        let hashed = Key(key)
        let limit = max(1, limit ?? self.limit)
        return state.withLock { s in
            expire(&s, now: now)
            var entry = s.table[hashed] ?? Entry(events: [])
            if s.table[hashed] == nil {
                s.queue.append(Due(key: hashed, at: now.addingTimeInterval(window)))
            }
            if let kept = entry.events.firstIndex(where: { now.timeIntervalSince($0) < window }) {
                entry.events.removeFirst(kept)
            } else {
                entry.events.removeAll(keepingCapacity: true)
            }
            let allowed = entry.events.count < limit
            if allowed { entry.events.append(now) }
            s.table[hashed] = entry
            if s.table.count > capacity { evictQuietest(&s) }
            return allowed
        }
    }

    /// Number of keys remembered now (for tests and metrics).
    var keyCount: Int { state.withLock { $0.table.count } }

    /// Forgets the keys at the head of the queue whose last event has left the window; a key used since
    /// it was queued goes to the back with its new expiry.
    private func expire(_ s: inout State, now: Date) {
        while !s.queueIsEmpty, s.queue[s.head].at <= now {
            let due = s.popFirst()
            guard let last = s.table[due.key]?.events.last else {
                s.table[due.key] = nil
                continue
            }
            let expiry = last.addingTimeInterval(window)
            if expiry <= now {
                s.table[due.key] = nil
            } else {
                s.queue.append(Due(key: due.key, at: expiry))
            }
        }
    }

    /// Forgets the key that has been quiet longest: the head of the queue once keys used since they were
    /// queued have moved to the back.
    private func evictQuietest(_ s: inout State) {
        while !s.queueIsEmpty {
            let due = s.popFirst()
            guard let entry = s.table[due.key] else { continue }
            if let last = entry.events.last, last.addingTimeInterval(window) > due.at {
                s.queue.append(Due(key: due.key, at: last.addingTimeInterval(window)))
                continue
            }
            s.table[due.key] = nil
            return
        }
    }
}
