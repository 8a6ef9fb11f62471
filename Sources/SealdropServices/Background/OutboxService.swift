import Foundation
import Logging
import SealdropCore
import ServiceLifecycle
import Synchronization

/// Delivers queued mail with exponential back-off; a message is marked sent only after the transport accepted it.
///
/// The queue is in the database, so a crash or an unreachable relay delays mail but never loses it.
public struct OutboxService: Service {
    /// Back-off and give-up rules.
    public struct Configuration: Sendable {
        /// How often the queue is looked at. Default 0.5 s.
        public var pollInterval: Duration = .milliseconds(500)
        /// Seconds before the first retry, doubling up to `maxRetryDelay` (`outboxFirstRetrySeconds`). Default 30.
        public var firstRetryDelay: TimeInterval = 30
        /// Longest wait between two attempts, in seconds. Default an hour.
        public var maxRetryDelay: TimeInterval = 3600
        /// Messages older than this (seconds) are marked failed instead of retried (`outboxMaxAgeHours`). Default 48 h.
        public var maxAge: TimeInterval = 2 * 86400
        /// Messages fetched per round. Default 50.
        public var batchSize: Int = 50
        /// Messages delivered at the same time (one relay connection each).
        public var parallelism: Int = 4

        public init() {}
    }

    let outbox: any OutboxRepository
    let transport: any MailTransport
    let configuration: Configuration
    let logger: Logger
    let now: @Sendable () -> Date

    public init(outbox: any OutboxRepository, transport: any MailTransport, configuration: Configuration = Configuration(),
                logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.outbox = outbox
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        let interval = configuration.pollInterval
        await PeriodicLoop.run(interval: { interval }, logger: logger, failureEvent: "outbox.poll.failed") { try await deliverDue() }
    }

    /// Attempts every due message once, `parallelism` at a time, batch after batch until no full batch is
    /// left; returns how many were delivered.
    @discardableResult
    public func deliverDue() async throws -> Int {
        var delivered = 0
        var batch: [OutboxMessage]
        var rounds = 0
        repeat {
            rounds += 1
            batch = try await outbox.dueMessages(asOf: now(), limit: configuration.batchSize)
            delivered += try await withThrowingTaskGroup(of: Bool.self) { group in
                var count = 0
                for (index, message) in batch.enumerated() {
                    if index >= configuration.parallelism, let sent = try await group.next() { count += sent ? 1 : 0 }
                    group.addTask { try await attempt(message) }
                }
                for try await sent in group { count += sent ? 1 : 0 }
                return count
            }
        // Bounded, so a zero retry delay cannot keep one call busy with the same failing batch.
        } while batch.count == configuration.batchSize && rounds < 20
        return delivered
    }

    /// One delivery attempt; records the outcome and says whether the message went out.
    func attempt(_ message: OutboxMessage) async throws -> Bool {
        guard let id = message.id else { return false }
        let attempts = message.attempts + 1
        // Recorded the moment the relay has the message, before QUIT: a crash after that point must not send it
        // again. Only a crash between the relay's reply and this commit still can (SMTP is at-least-once).
        let recorded = RecordedFlag()
        let record: @Sendable () async -> Void = { [outbox, now, logger] in
            do {
                try await outbox.markSent(id, at: now())
                recorded.set()
            } catch {
                logger.warning("outbox.record.failed", metadata: ["mail.id": "\(id)", "reason": "\(error)"])
            }
        }
        do {
            try await transport.deliver(message, accepted: record)
            if !recorded.isSet { try await outbox.markSent(id, at: now()) }
            logger.info("outbox.sent", metadata: ["mail.id": "\(id)", "mail.kind": "\(message.kind)"])
            return true
        } catch {
            // The relay has it: whatever failed afterwards, it must not be retried.
            if recorded.isSet { return true }
            let delivery = error as? MailDeliveryError
            let reason = delivery?.reason ?? "\(type(of: error))"
            let age = now().timeIntervalSince(message.createdAt)
            if delivery?.permanent == true || age > configuration.maxAge {
                try await outbox.markFailed(id, attempts: attempts, error: reason)
                logger.warning("outbox.failed", metadata: ["mail.id": "\(id)", "mail.kind": "\(message.kind)", "reason": "\(reason)"])
            } else {
                let delay = min(configuration.maxRetryDelay, configuration.firstRetryDelay * pow(2, Double(attempts - 1)))
                try await outbox.markRetry(id, attempts: attempts, nextAttemptAt: now().addingTimeInterval(delay), error: reason)
                logger.notice("outbox.retry", metadata: ["mail.id": "\(id)", "delay.s": "\(Int(delay))", "reason": "\(reason)"])
            }
            return false
        }
    }
}

/// Whether the outbox recorded a message as sent while its delivery was still finishing.
private final class RecordedFlag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
