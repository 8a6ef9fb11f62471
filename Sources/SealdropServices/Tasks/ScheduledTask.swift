import SealdropCore

/// A background task the `Scheduler` runs on its schedule and on "run now" (`docs/operations.md`, Scheduled tasks).
///
/// The scheduler guarantees one run at a time per task (a database lease, so also across nodes), records start,
/// duration and outcome, and retries a failed task at its next scheduled time; the task itself only does one pass.
public protocol ScheduledTask: Sendable {
    /// The admin API's name of the task.
    var name: TaskName { get }
    /// One pass. Returns a one-line summary for the task list ("3 transfers expired"); throws when the pass failed,
    /// with an error whose description says why in a sentence (it is shown to administrators, never a secret).
    /// Cancellation means the server is stopping: stop at the next safe point.
    func runOnce() async throws -> String
}
