import Foundation

/// One run of a scheduled task, as the admin's task list shows it.
public struct TaskRun: Sendable, Equatable, Codable {
    /// How a run ended (or that it has not yet).
    public enum Outcome: String, Codable, Sendable {
        case running, succeeded, failed
        /// The node died or was stopped while it ran: its lease expired without an end.
        case abandoned
    }

    public var id: Int64
    public var task: TaskName
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: Outcome
    /// What the task reports (e.g. "3 transfers expired") or why it failed; one line.
    public var detail: String?
    /// How the run began: `schedule` or the administrator's name (`run now`).
    public var trigger: String
    /// The node that ran it (host name and process id).
    public var node: String

    public init(id: Int64, task: TaskName, startedAt: Date, finishedAt: Date? = nil, outcome: Outcome, detail: String? = nil,
                trigger: String, node: String) {
        self.id = id
        self.task = task
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.detail = detail
        self.trigger = trigger
        self.node = node
    }

    /// Seconds the run took, nil while it runs.
    public var duration: TimeInterval? { finishedAt.map { $0.timeIntervalSince(startedAt) } }
}

/// How a task has been doing, for monitoring: when it last succeeded and how its newest finished run ended.
public struct TaskHealth: Sendable, Equatable {
    /// When the newest successful run ended; nil when none is on record.
    public var lastSuccessAt: Date?
    /// The outcome of the newest run that ended; nil when none has.
    public var lastOutcome: TaskRun.Outcome?

    public init(lastSuccessAt: Date?, lastOutcome: TaskRun.Outcome?) {
        self.lastSuccessAt = lastSuccessAt
        self.lastOutcome = lastOutcome
    }
}

/// The persisted task runs and the lease that keeps a task from running twice, on one node or several.
///
/// `startRun` is the lease: it inserts a `running` row only when the task has no `running` row whose lease is
/// still valid, in one transaction (SQLite: one writer; PostgreSQL: the same statement under the row lock), so
/// two schedulers racing for the same task get one run between them. A running task renews its lease; a node
/// that dies leaves a row whose lease expires and is marked `abandoned` by the next `startRun`.
public protocol TaskRunRepository: Sendable {
    /// Starts a run unless one holds a valid lease; nil when the task is running.
    func startTaskRun(_ task: TaskName, at date: Date, leaseUntil: Date, trigger: String, node: String) async throws -> TaskRun?
    /// Extends a running run's lease.
    func renewTaskLease(runId: Int64, until: Date) async throws
    /// Ends a run.
    func finishTaskRun(runId: Int64, at date: Date, outcome: TaskRun.Outcome, detail: String?) async throws
    /// The newest runs of a task, newest first.
    func taskRuns(_ task: TaskName, limit: Int) async throws -> [TaskRun]
    /// The start of the newest run of each task that has one (the schedule's reference).
    func lastTaskStarts() async throws -> [TaskName: Date]
    /// Each task's last success and newest finished outcome (tasks without runs are absent).
    func taskHealth() async throws -> [TaskName: TaskHealth]
    /// Deletes runs older than `date` except the newest `keep` of each task.
    func pruneTaskRuns(olderThan date: Date, keep: Int) async throws
}
