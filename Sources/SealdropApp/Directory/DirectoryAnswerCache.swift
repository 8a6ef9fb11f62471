import Foundation

/// Membership answers, positive and negative, kept for `directory.cacheSeconds` and bounded in number, so a
/// repeated rule evaluation does not ask the directory again and a flood of addresses cannot grow memory.
struct DirectoryAnswerCache: Sendable {
    /// Most answers kept; when full, expired answers go first, then those expiring soonest.
    let capacity: Int
    private var answers: [String: (member: Bool, expires: Date)] = [:]

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    var count: Int { answers.count }

    /// The answer for `key` while it is fresh.
    func answer(for key: String, now: Date) -> Bool? {
        guard let entry = answers[key], entry.expires > now else { return nil }
        return entry.member
    }

    /// Keeps `member` for `key` until `expires`.
    mutating func store(_ member: Bool, for key: String, expires: Date, now: Date) {
        if answers[key] == nil, answers.count >= capacity {
            answers = answers.filter { $0.value.expires > now }
            while answers.count >= capacity, let soonest = answers.min(by: { $0.value.expires < $1.value.expires }) {
                answers.removeValue(forKey: soonest.key)
            }
        }
        answers[key] = (member, expires)
    }

    mutating func removeAll() { answers.removeAll() }
}
