import Foundation

/// When a task runs by itself: every so many seconds, once a day at a time of day (server's local time zone in
/// the admin, UTC here: minutes after midnight UTC), or never (only "run now").
public enum TaskSchedule: Sendable, Equatable, Codable, CustomStringConvertible {
    case interval(seconds: Int)
    case daily(minuteOfDay: Int)
    case off

    /// Parses the form the admin shows and the settings store: `every 300s`, `every 15m`, `every 2h`,
    /// `daily 03:30` (UTC) or `off`. Nil for anything else, for intervals under 1 s or over 7 days, and for
    /// times of day outside 00:00–23:59.
    public init?(text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "off" { self = .off; return }
        let parts = t.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "every":
            var number = parts[1]
            var unit: Character = "s"
            if let last = number.last, last.isLetter {
                guard "smhd".contains(last) else { return nil }
                unit = last
                number = number.dropLast()
            }
            guard number.allSatisfy(\.isASCII), let n = Int(number), n > 0 else { return nil }
            let factor = ["s": 1, "m": 60, "h": 3600, "d": 86400][String(unit)]!
            guard n <= 7 * 86400 / factor else { return nil }
            self = .interval(seconds: n * factor)
        case "daily":
            let hm = parts[1].split(separator: ":")
            guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
                  (0..<24).contains(h), (0..<60).contains(m) else { return nil }
            self = .daily(minuteOfDay: h * 60 + m)
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .off: return "off"
        case .daily(let minute): return String(format: "daily %02d:%02d", minute / 60, minute % 60)
        case .interval(let s):
            if s % 86400 == 0 { return "every \(s / 86400)d" }
            if s % 3600 == 0 { return "every \(s / 3600)h" }
            if s % 60 == 0 { return "every \(s / 60)m" }
            return "every \(s)s"
        }
    }

    /// The next time the task is due, counted from `reference`: the start of its last run, or for a task that never
    /// ran, nil (an interval task is due at once) or the scheduler's start (a daily task waits for its time of day).
    /// A daily task is due at the first time of day after the reference; after a long pause, once at once.
    public func nextRun(after reference: Date?, now: Date) -> Date? {
        switch self {
        case .off:
            return nil
        case .interval(let seconds):
            guard let reference else { return now }
            return reference.addingTimeInterval(TimeInterval(seconds))
        case .daily(let minute):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let after = max(reference ?? now, now.addingTimeInterval(-2 * 86400))
            var candidate = calendar.startOfDay(for: after).addingTimeInterval(TimeInterval(minute * 60))
            while candidate <= after { candidate = candidate.addingTimeInterval(86400) }
            return candidate
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let schedule = TaskSchedule(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a schedule: \(text)"))
        }
        self = schedule
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
