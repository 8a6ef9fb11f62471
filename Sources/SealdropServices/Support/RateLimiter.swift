import Foundation
import Synchronization

/// A sliding-window counter per key, in memory; bounded so hostile keys cannot grow it without limit.
public final class RateLimiter: Sendable {
    private let state = Mutex<[String: [Date]]>([:])
    private let limit: Int
    private let window: TimeInterval
    private let maxKeys: Int

    /// Allows `limit` events per key within `window` seconds.
    public init(limit: Int, window: TimeInterval, maxKeys: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.maxKeys = maxKeys
    }

    /// Records an event for `key` and returns false when the key is over its limit.
    public func allow(_ key: String, now: Date = Date()) -> Bool {
        state.withLock { table in
            if table.count >= maxKeys {
                table = table.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
                // A flood of distinct live keys: past twice the bound, forget the half that was quiet longest,
                // so memory stays bounded while recent keys keep their counts.
                if table.count >= 2 * maxKeys {
                    let quietest = table.sorted { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) }.prefix(table.count / 2)
                    for (key, _) in quietest { table[key] = nil }
                }
            }
            var events = table[key, default: []].filter { now.timeIntervalSince($0) < window }
            guard events.count < limit else {
                table[key] = events
                return false
            }
            events.append(now)
            table[key] = events
            return true
        }
    }
}
