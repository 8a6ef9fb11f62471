import Foundation
import SealdropCore

/// The mail queue as the admin interface and its health and metrics endpoints see it, and sending a failed
/// message again (with its audit row).
public struct OutboxAdminService: Sendable {
    let outbox: any OutboxRepository
    let audit: AuditLog

    public init(outbox: any OutboxRepository, audit: AuditLog) {
        self.outbox = outbox
        self.audit = audit
    }

    /// The most recent messages, newest first.
    public func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        try await outbox.recentMessages(limit: limit)
    }

    /// Messages per state (QUEUED, SENT, FAILED).
    public func counts() async throws -> [OutboxState: Int] {
        try await outbox.outboxCounts()
    }

    /// Number of queued messages; the readiness probe asks it to see that the database answers.
    public func queuedCount() async throws -> Int {
        try await outbox.queuedCount()
    }

    /// One message, body included while it is not sent.
    public func message(_ id: Int64) async throws -> OutboxMessage? {
        try await outbox.outboxMessage(id)
    }

    /// Puts a FAILED message back into the queue and audits it; false (and no audit row) if it is not FAILED.
    public func retry(_ id: Int64, by actor: String, now: Date = Date()) async throws -> Bool {
        guard try await outbox.retryFailed(id, now: now) else { return false }
        try await audit.record(actor: actor, action: "outbox.retry", target: String(id))
        return true
    }
}
