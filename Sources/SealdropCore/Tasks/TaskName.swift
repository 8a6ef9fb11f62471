/// A background task the scheduler owns, by the name the admin API uses (`/admin/api/tasks/{name}`).
public enum TaskName: String, Codable, Sendable, CaseIterable, Comparable {
    /// Expired transfers, abandoned sessions and verifications removed.
    case cleanup
    /// Archive copies that failed for good made due again.
    case archiveRetry = "archive-retry"
    /// The signed release manifest fetched and checked.
    case updateCheck = "update-check"
    /// The daily mail of the transfer log to the administrators.
    case digest
    /// An online backup of the data dir.
    case backup
    /// Personal data of ended transfers purged after the retention time.
    case retention

    public static func < (a: TaskName, b: TaskName) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
