import Foundation
import Logging
import SealdropCore
import ServiceLifecycle

/// Delivers queued mail with exponential back-off; a message is marked sent only after the transport accepted it.
///
/// The queue is in the database, so a crash or an unreachable relay delays mail but never loses it.
public struct OutboxService: Service {
    /// Back-off and give-up rules.
    public struct Configuration: Sendable {
        public var pollInterval: Duration = .milliseconds(500)
        public var firstRetryDelay: TimeInterval = 30
        public var maxRetryDelay: TimeInterval = 3600
        /// Messages older than this are marked failed instead of retried.
        public var maxAge: TimeInterval = 2 * 86400
        public var batchSize: Int = 50

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

    /// Attempts every due message once; returns how many were delivered.
    @discardableResult
    public func deliverDue() async throws -> Int {
        var delivered = 0
        for message in try await outbox.dueMessages(asOf: now(), limit: configuration.batchSize) {
            guard let id = message.id else { continue }
            let attempts = message.attempts + 1
            do {
                try await transport.deliver(message)
                try await outbox.markSent(id, at: now())
                delivered += 1
                logger.info("outbox.sent", metadata: ["mail.id": "\(id)", "mail.kind": "\(message.kind)"])
            } catch {
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
            }
        }
        return delivered
    }
}
