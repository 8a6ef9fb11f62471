import Foundation
import SealdropCore

/// The mail queue as the admin interface and its health and metrics endpoints see it, and sending a failed
/// message again (with its audit row).
public struct OutboxAdminService: Sendable {
    let outbox: any OutboxRepository
    let audit: AuditLog
    /// The transfers messages belong to, for their policy rule's logging choices; nil shows every message whole.
    let transfers: (any TransferRepository)?

    public init(outbox: any OutboxRepository, audit: AuditLog, transfers: (any TransferRepository)? = nil) {
        self.outbox = outbox
        self.audit = audit
        self.transfers = transfers
    }

    /// The most recent messages, newest first; a subject the transfer's policy rule keeps out of the log is masked.
    public func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        var output: [String: TransferSettings.RuleOutput?] = [:]
        var messages: [OutboxMessage] = []
        for var message in try await outbox.recentMessages(limit: limit) {
            if let id = message.trackingId {
                if output[id] == nil { output[id] = .some(try await ruleOutput(id)) }
                if output[id]??.logSubjects == false { message.subject = TransferLogService.notLogged }
            }
            messages.append(message)
        }
        return messages
    }

    /// The policy rule's logging choices of the transfer `id`, if it has any.
    func ruleOutput(_ id: String) async throws -> TransferSettings.RuleOutput? {
        guard let transfers, let trackingId = TrackingID(rawValue: id) else { return nil }
        return try await transfers.transfer(trackingId)?.settings.ruleOutput
    }

    /// Messages per state (QUEUED, SENT, FAILED).
    public func counts() async throws -> [OutboxState: Int] {
        try await outbox.outboxCounts()
    }

    /// Number of queued messages; the readiness probe asks it to see that the database answers.
    public func queuedCount() async throws -> Int {
        try await outbox.queuedCount()
    }

    /// One message, body included while it is not sent; subject and body are masked when the transfer's policy
    /// rule keeps subjects or file names out of the log (the body shows both).
    public func message(_ id: Int64) async throws -> OutboxMessage? {
        guard var message = try await outbox.outboxMessage(id) else { return nil }
        if let trackingId = message.trackingId, let output = try await ruleOutput(trackingId), !output.logSubjects || !output.logFileNames {
            if !output.logSubjects { message.subject = TransferLogService.notLogged }
            if !message.message.isEmpty { message.message = Array("Subject: \(TransferLogService.notLogged)\r\n\r\n\(TransferLogService.notLogged)\r\n".utf8) }
        }
        return message
    }

    /// Puts a FAILED message back into the queue and audits it; false (and no audit row) if it is not FAILED.
    public func retry(_ id: Int64, by actor: String, now: Date = Date()) async throws -> Bool {
        guard try await outbox.retryFailed(id, now: now) else { return false }
        try await audit.record(actor: actor, action: "outbox.retry", target: String(id))
        return true
    }
}
