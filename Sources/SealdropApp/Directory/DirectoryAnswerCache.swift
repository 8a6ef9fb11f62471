import Foundation

/// Directory answers (memberships, positive and negative; the user entry of an address, found or not), kept for
/// `directory.cacheSeconds` and bounded in number, so a repeated rule evaluation does not ask the directory again
/// and a flood of addresses cannot grow memory.
struct DirectoryAnswerCache<Value: Sendable>: Sendable {
    /// Most answers kept; when full, expired answers go first, then those expiring soonest.
    let capacity: Int
    private var answers: [String: (value: Value, expires: Date)] = [:]

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    var count: Int { answers.count }

    /// The answer for `key` while it is fresh.
    func answer(for key: String, now: Date) -> Value? {
        guard let entry = answers[key], entry.expires > now else { return nil }
        return entry.value
    }

    /// Keeps `value` for `key` until `expires`.
    mutating func store(_ value: Value, for key: String, expires: Date, now: Date) {
        if answers[key] == nil, answers.count >= capacity {
            answers = answers.filter { $0.value.expires > now }
            while answers.count >= capacity, let soonest = answers.min(by: { $0.value.expires < $1.value.expires }) {
                answers.removeValue(forKey: soonest.key)
            }
        }
        answers[key] = (value, expires)
    }

    mutating func removeAll() { answers.removeAll() }
}
