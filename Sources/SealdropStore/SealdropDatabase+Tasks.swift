import Foundation
import GRDB
import SealdropCore

/// `TaskRunRepository` on SQLite: the lease is the one `running` row per task, taken in a write transaction (SQLite
/// has one writer, so two schedulers cannot both see the task idle).
extension SealdropDatabase: TaskRunRepository {
    public func startTaskRun(_ task: TaskName, at date: Date, leaseUntil: Date, trigger: String, node: String) async throws -> TaskRun? {
        try await writer.write { db in
            // A run whose node stopped renewing its lease is over: abandoned, ended when its lease ran out.
            try db.execute(sql: """
                UPDATE task_runs SET outcome = 'abandoned', finished_at = lease_until,
                    detail = 'the node running it stopped (its lease expired)'
                WHERE task = ? AND outcome = 'running' AND lease_until < ?
                """, arguments: [task.rawValue, Column.time(date)])
            let busy = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM task_runs WHERE task = ? AND outcome = 'running')",
                                         arguments: [task.rawValue]) ?? false
            guard !busy else { return nil }
            try db.execute(sql: """
                INSERT INTO task_runs (task, started_at, lease_until, outcome, trigger, node) VALUES (?, ?, ?, 'running', ?, ?)
                """, arguments: [task.rawValue, Column.time(date), Column.time(leaseUntil), trigger, node])
            return TaskRun(id: db.lastInsertedRowID, task: task, startedAt: date, outcome: .running, trigger: trigger, node: node)
        }
    }

    public func renewTaskLease(runId: Int64, until: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE task_runs SET lease_until = ? WHERE id = ? AND outcome = 'running'", arguments: [Column.time(until), runId])
        }
    }

    public func finishTaskRun(runId: Int64, at date: Date, outcome: TaskRun.Outcome, detail: String?) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE task_runs SET outcome = ?, finished_at = ?, detail = ? WHERE id = ? AND outcome = 'running'",
                           arguments: [outcome.rawValue, Column.time(date), detail.map { String($0.prefix(2000)) }, runId])
        }
    }

    public func taskRuns(_ task: TaskName, limit: Int) async throws -> [TaskRun] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM task_runs WHERE task = ? ORDER BY id DESC LIMIT ?", arguments: [task.rawValue, limit])
                .compactMap(Self.taskRun(from:))
        }
    }

    public func lastTaskStarts() async throws -> [TaskName: Date] {
        try await writer.read { db in
            var starts: [TaskName: Date] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT task, MAX(started_at) AS started FROM task_runs GROUP BY task") {
                if let task = TaskName(rawValue: row["task"]), let started = Column.date(row["started"]) { starts[task] = started }
            }
            return starts
        }
    }

    public func taskHealth() async throws -> [TaskName: TaskHealth] {
        try await writer.read { db in
            var health: [TaskName: TaskHealth] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT task,
                    MAX(CASE WHEN outcome = 'succeeded' THEN finished_at END) AS last_success,
                    (SELECT r.outcome FROM task_runs r WHERE r.task = t.task AND r.outcome <> 'running' ORDER BY r.id DESC LIMIT 1) AS last_outcome
                FROM task_runs t GROUP BY task
                """) {
                guard let task = TaskName(rawValue: row["task"]) else { continue }
                let outcome: String? = row["last_outcome"]
                health[task] = TaskHealth(lastSuccessAt: Column.date(row["last_success"]), lastOutcome: outcome.flatMap(TaskRun.Outcome.init(rawValue:)))
            }
            return health
        }
    }

    public func pruneTaskRuns(olderThan date: Date, keep: Int) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                DELETE FROM task_runs WHERE outcome <> 'running' AND started_at < ? AND id NOT IN (
                    SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY task ORDER BY id DESC) AS n FROM task_runs) WHERE n <= ?)
                """, arguments: [Column.time(date), keep])
        }
    }

    static func taskRun(from row: Row) -> TaskRun? {
        guard let task = TaskName(rawValue: row["task"]), let outcome = TaskRun.Outcome(rawValue: row["outcome"]),
              let started = Column.date(row["started_at"]) else { return nil }
        return TaskRun(id: row["id"], task: task, startedAt: started, finishedAt: Column.date(row["finished_at"]), outcome: outcome,
                       detail: row["detail"], trigger: row["trigger"], node: row["node"])
    }
}

extension SealdropDatabase {
    /// The lease end of a task's running run (tests of the renewal).
    public func leaseUntilForTests(_ task: TaskName) async throws -> Double {
        try await writer.read { db in
            try Double.fetchOne(db, sql: "SELECT lease_until FROM task_runs WHERE task = ? AND outcome = 'running'", arguments: [task.rawValue]) ?? 0
        }
    }
}
