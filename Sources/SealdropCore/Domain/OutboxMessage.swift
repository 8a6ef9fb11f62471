import Foundation

/// The delivery state of a message in the outbox.
public enum OutboxState: String, Codable, Sendable {
    case queued = "QUEUED"
    case sent = "SENT"
    case failed = "FAILED"
}

/// A complete mail persisted before any delivery attempt, with its envelope and delivery state.
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64?
    /// What the mail is about, e.g. `verification-code`, `recipient-notification`.
    public var kind: String
    public var envelopeFrom: String
    public var envelopeTo: [String]
    public var subject: String
    /// The whole RFC 5322 message, CRLF line endings.
    public var message: [UInt8]
    public var state: OutboxState
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var lastError: String?
    /// The tracking id the mail belongs to, if any.
    public var trackingId: String?

    public init(
        id: Int64? = nil, kind: String, envelopeFrom: String, envelopeTo: [String], subject: String, message: [UInt8],
        state: OutboxState = .queued, attempts: Int = 0, createdAt: Date, nextAttemptAt: Date? = nil,
        lastError: String? = nil, trackingId: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.envelopeFrom = envelopeFrom
        self.envelopeTo = envelopeTo
        self.subject = subject
        self.message = message
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.lastError = lastError
        self.trackingId = trackingId
    }
}
