import Foundation
import SealdropCore

/// The scheduler's task `archive-retry`: every archive copy waiting out its back-off is made due now, so the queue
/// worker (`ArchiveService`) tries it within a second — on its schedule (hourly by default, the back-off's ceiling)
/// or at once with "run now" after an administrator mended the archive server. Copies that failed for good need
/// their own retry (`POST /admin/api/archive/jobs/{id}/retry`): their spool is gone.
public struct ArchiveRetryTask: ScheduledTask {
    let repository: any ArchiveRepository
    let now: @Sendable () -> Date

    public init(repository: any ArchiveRepository, now: @escaping @Sendable () -> Date = Date.init) {
        self.repository = repository
        self.now = now
    }

    public var name: TaskName { .archiveRetry }

    public func runOnce() async throws -> String {
        let count = try await repository.retryWaitingArchiveJobs(at: now())
        return count == 1 ? "1 waiting archive copy made due" : "\(count) waiting archive copies made due"
    }
}
