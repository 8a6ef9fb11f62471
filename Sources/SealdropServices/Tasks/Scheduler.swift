import Foundation
import Logging
import SealdropCore
import ServiceLifecycle
import Synchronization

/// The one owner of every background task (`docs/operations.md`, Scheduled tasks): runs each on its schedule and on
/// "run now", never two runs of a task at once, and records every run (start, duration, outcome).
///
/// The guard against overlap is the `TaskRunRepository` lease, taken before a run starts and renewed while it runs, so
/// schedulers on several nodes sharing one database run each due task once between them. A failed run is recorded
/// and the task is tried again at its next scheduled time. Graceful shutdown cancels running tasks at their next safe
/// point; their runs are recorded as abandoned.
public final class Scheduler: Service, Sendable {
    /// Timing of the loop and the lease.
    public struct Configuration: Sendable {
        /// How often due tasks and "run now" requests are looked at. Default 1 s.
        public var tick: Duration = .seconds(1)
        /// How long a run's lease lasts without renewal; renewed every third of it. Default 120 s.
        public var leaseSeconds: TimeInterval = 120
        /// Runs kept per task beyond a day. Default 100.
        public var keptRuns: Int = 100

        public init() {}
    }

    /// A task as the admin sees it: schedule, next run, the newest runs.
    public struct Overview: Sendable {
        public let name: TaskName
        public let schedule: TaskSchedule
        /// Nil when the schedule is off.
        public let nextRun: Date?
        public let running: Bool
        public let runs: [TaskRun]
    }

    let tasks: [TaskName: any ScheduledTask]
    let runs: any TaskRunRepository
    let settings: SettingsStore
    let node: String
    let configuration: Configuration
    let logger: Logger
    let now: @Sendable () -> Date
    /// When this scheduler was built: the reference of daily tasks that never ran.
    let startedAt: Date
    /// Runs started by "run now", waiting for the loop to execute them.
    private let requested = Mutex<[Pending]>([])
    /// Tasks running in this process.
    private let running = Mutex<Set<TaskName>>([])

    public init(tasks: [any ScheduledTask], runs: any TaskRunRepository, settings: SettingsStore, node: String = Scheduler.nodeName(),
                configuration: Configuration = Configuration(), logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.tasks = Dictionary(tasks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.runs = runs
        self.settings = settings
        self.node = node
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.startedAt = now()
    }

    /// The host name and process id: which node ran a task.
    public static func nodeName() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The registered tasks, in the admin's order.
    public var taskNames: [TaskName] { tasks.keys.sorted() }

    /// The schedule of `name` from the current settings.
    public func schedule(of name: TaskName) -> TaskSchedule {
        let current = settings.current
        return current.tasks.schedule(for: name, cleanupIntervalSeconds: current.cleanup.intervalSeconds)
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { await self.loop() }
    }

    /// Executes requested and due runs each tick until cancelled; cancellation reaches the running tasks too.
    func loop() async {
        await withDiscardingTaskGroup { (group: inout DiscardingTaskGroup) in
            var lastPrune = Date.distantPast
            while !Task.isCancelled {
                var ready: [Pending] = takeRequested()
                do {
                    ready += try await startDueRuns()
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("scheduler.failed", metadata: ["error.type": "\(type(of: error))"])
                }
                for pending in ready {
                    group.addTask { await self.execute(pending.task, pending.run) }
                }
                if now().timeIntervalSince(lastPrune) > 3600 {
                    lastPrune = now()
                    try? await runs.pruneTaskRuns(olderThan: lastPrune.addingTimeInterval(-86400), keep: configuration.keptRuns)
                }
                do {
                    try await Task.sleep(for: configuration.tick)
                } catch {
                    break
                }
            }
            group.cancelAll()
        }
    }

    /// A run that holds its lease and waits to be executed.
    struct Pending: Sendable {
        let task: any ScheduledTask
        let run: TaskRun
    }

    /// The runs "run now" started since the last tick.
    private func takeRequested() -> [Pending] {
        requested.withLock { pending in
            let taken = pending
            pending.removeAll()
            return taken
        }
    }

    /// Takes the lease of every task that is due and not running; returns the runs to execute.
    func startDueRuns() async throws -> [Pending] {
        let date = now()
        let starts = try await runs.lastTaskStarts()
        var started: [Pending] = []
        for name in taskNames where !running.withLock({ $0.contains(name) }) {
            let schedule = schedule(of: name)
            let reference: Date? = starts[name] ?? (schedule.isDaily ? startedAt : nil)
            guard let due = schedule.nextRun(after: reference, now: date), due <= date, let task = tasks[name] else { continue }
            if let run = try await begin(name, trigger: "schedule", at: date) { started.append(Pending(task: task, run: run)) }
        }
        return started
    }

    /// Starts `name` now for `actor`; the run is executed by the loop within a tick. Throws `SchedulerError`.
    @discardableResult
    public func runNow(_ name: TaskName, by actor: String) async throws -> TaskRun {
        guard let task = tasks[name] else { throw SchedulerError.unknownTask(name.rawValue) }
        guard let run = try await begin(name, trigger: actor, at: now()) else { throw SchedulerError.alreadyRunning(name) }
        requested.withLock { $0.append(Pending(task: task, run: run)) }
        logger.notice("task.run-now", metadata: ["task": "\(name.rawValue)", "actor": "\(actor)"])
        return run
    }

    /// Takes the lease and marks the task running here; nil when it runs somewhere (here or on another node).
    private func begin(_ name: TaskName, trigger: String, at date: Date) async throws -> TaskRun? {
        guard running.withLock({ $0.insert(name).inserted }) else { return nil }
        do {
            guard let run = try await runs.startTaskRun(name, at: date, leaseUntil: date.addingTimeInterval(configuration.leaseSeconds),
                                                        trigger: trigger, node: node) else {
                running.withLock { _ = $0.remove(name) }
                return nil
            }
            return run
        } catch {
            running.withLock { _ = $0.remove(name) }
            throw error
        }
    }

    /// One run: the task's pass beside a lease renewal, then its outcome recorded.
    func execute(_ task: any ScheduledTask, _ run: TaskRun) async {
        let renewEvery = Duration.seconds(max(1, configuration.leaseSeconds / 3))
        let (outcome, detail): (TaskRun.Outcome, String) = await withTaskGroup(of: (TaskRun.Outcome, String)?.self) { group in
            group.addTask { [runs, now, configuration] in
                while true {
                    do { try await Task.sleep(for: renewEvery) } catch { return nil }
                    try? await runs.renewTaskLease(runId: run.id, until: now().addingTimeInterval(configuration.leaseSeconds))
                }
            }
            group.addTask {
                do {
                    return (.succeeded, try await task.runOnce())
                } catch is CancellationError {
                    return (.abandoned, "the server stopped while it ran")
                } catch {
                    return (.failed, "\(error)")
                }
            }
            var result: (TaskRun.Outcome, String) = (.abandoned, "the server stopped while it ran")
            for await value in group {
                if let value {
                    result = value
                    group.cancelAll()
                }
            }
            return result
        }
        // Recorded even while the server stops (an unstructured task is not cancelled with this one).
        let finished = now()
        await Task { [runs] in
            try? await runs.finishTaskRun(runId: run.id, at: finished, outcome: outcome, detail: detail)
        }.value
        running.withLock { _ = $0.remove(task.name) }
        let metadata: Logger.Metadata = ["task": "\(task.name.rawValue)", "outcome": "\(outcome.rawValue)",
                                         "duration.ms": "\(Int(finished.timeIntervalSince(run.startedAt) * 1000))"]
        if outcome == .failed {
            logger.warning("task.failed", metadata: metadata.merging(["detail": "\(detail)"]) { a, _ in a })
        } else {
            logger.info("task.finished", metadata: metadata)
        }
    }

    /// Each registered task's last success and newest finished outcome (monitoring; absent: never ran).
    public func health() async throws -> [TaskName: TaskHealth] {
        try await runs.taskHealth().filter { tasks[$0.key] != nil }
    }

    /// Every task with its schedule, next run and newest runs.
    public func overview(runsPerTask: Int = 10) async throws -> [Overview] {
        let date = now()
        let starts = try await runs.lastTaskStarts()
        var result: [Overview] = []
        for name in taskNames {
            let schedule = schedule(of: name)
            let recent = try await runs.taskRuns(name, limit: runsPerTask)
            let reference: Date? = starts[name] ?? (schedule.isDaily ? startedAt : nil)
            result.append(Overview(name: name, schedule: schedule, nextRun: schedule.nextRun(after: reference, now: date),
                                   running: recent.first?.outcome == .running, runs: recent))
        }
        return result
    }
}

/// Why the scheduler refused a request.
public enum SchedulerError: Error, Equatable, CustomStringConvertible {
    /// No task of this name is registered.
    case unknownTask(String)
    /// The task is running (here or on another node); it never overlaps itself.
    case alreadyRunning(TaskName)

    public var description: String {
        switch self {
        case .unknownTask(let name): return "There is no task named \(name)."
        case .alreadyRunning(let name): return "The task \(name.rawValue) is running; wait for it to finish."
        }
    }
}

extension TaskSchedule {
    /// Whether the schedule is a time of day.
    public var isDaily: Bool {
        if case .daily = self { return true }
        return false
    }
}
