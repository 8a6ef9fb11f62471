/// When each scheduled task runs (`TaskSchedule` text: `every 5m`, `daily 03:30` in UTC, `off`).
///
/// A task missing here runs on its default; clean-up's default follows `cleanup.intervalSeconds` for configurations
/// written before the scheduler.
public struct TaskSettings: Codable, Sendable, Equatable {
    /// Schedules by task name (`TaskName.rawValue`); absent: the default.
    public var schedules: [String: TaskSchedule] = [:]

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schedules = try c.decodeIfPresent([String: TaskSchedule].self, forKey: .schedules) ?? [:]
    }

    /// The schedule of `task`: the administrator's, else the default.
    public func schedule(for task: TaskName, cleanupIntervalSeconds: Int) -> TaskSchedule {
        if let set = schedules[task.rawValue] { return set }
        switch task {
        case .cleanup: return .interval(seconds: max(1, cleanupIntervalSeconds))
        case .archiveRetry: return .interval(seconds: 3600)
        case .updateCheck: return .daily(minuteOfDay: 4 * 60 + 17)
        case .digest: return .daily(minuteOfDay: 6 * 60)
        case .backup: return .daily(minuteOfDay: 2 * 60)
        case .retention: return .daily(minuteOfDay: 3 * 60)
        }
    }
}
