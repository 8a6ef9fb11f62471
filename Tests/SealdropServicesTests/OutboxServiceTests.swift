import Foundation
import SealdropCore
@testable import SealdropServices
import SealdropStore
import Synchronization
import Testing

/// `OutboxService.deliverDue`: delivery, back-off, giving up, and the capture transport.
@Suite struct OutboxServiceTests {
    /// Queues `count` messages created now.
    func enqueue(_ h: ServiceHarness, _ count: Int, kind: String = "test") async throws {
        let builder = MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org")
        let messages = (0..<count).map { i in
            OutboxMessage(kind: kind, envelopeFrom: "sealdrop@example.org", envelopeTo: ["r\(i)@example.net"], subject: "Mail \(i)",
                          message: builder.build(to: ["r\(i)@example.net"], subject: "Mail \(i)", body: "Body \(i)", date: h.clock.now),
                          createdAt: h.clock.now)
        }
        try await h.database.enqueue(messages)
    }

    @Test func deliveredMessagesAreMarkedSentAndNeverSentTwice() async throws {
        let h = try ServiceHarness()
        let transport = FakeMailTransport()
        let outbox = h.outbox(transport)
        try await enqueue(h, 3)
        #expect(try await outbox.deliverDue() == 3)
        #expect(transport.delivered.map(\.subject).sorted() == ["Mail 0", "Mail 1", "Mail 2"])
        let mails = try await h.mails()
        #expect(mails.allSatisfy { $0.state == .sent && $0.attempts == 1 && $0.lastError == nil })
        #expect(try await h.database.queuedCount() == 0)
        h.clock.advance(3600)
        #expect(try await outbox.deliverDue() == 0)
        #expect(transport.attempts.count == 3)
    }

    @Test func aMessageTheRelayAcceptedIsRecordedBeforeTheSessionEndsAndNeverSentAgain() async throws {
        let h = try ServiceHarness()
        let relay = AcceptingRelay(database: h.database)
        let outbox = h.outbox(relay)
        try await enqueue(h, 1)
        #expect(try await outbox.deliverDue() == 1)
        // Sent was on record while the session was still open (before QUIT) ...
        #expect(relay.stateAtAcceptance == [.sent])
        // ... so the connection dropping after that neither fails the message nor queues it again.
        let mail = try #require(try await h.mails().first)
        #expect(mail.state == .sent && mail.attempts == 1)
        h.clock.advance(86400)
        #expect(try await outbox.deliverDue() == 0)
        #expect(relay.sessions == 1)
    }

    @Test func notificationsGoOutBeforeQueuedVerificationCodes() async throws {
        let h = try ServiceHarness()
        let transport = FakeMailTransport()
        var configuration = OutboxService.Configuration()
        configuration.batchSize = 5
        configuration.parallelism = 1
        let outbox = h.outbox(transport, configuration: configuration)
        try await enqueue(h, 12, kind: "verification-code")
        try await enqueue(h, 1, kind: "recipient-notification")
        let notification = try #require(try await h.mails("recipient-notification").first?.id)
        #expect(try await outbox.deliverDue() == 13)
        #expect(transport.attempts.first == notification)
        // Among themselves, codes keep their order.
        #expect(Array(transport.attempts.dropFirst()) == transport.attempts.dropFirst().sorted())
    }

    @Test func manyMessagesGoOutInOneCallAFewAtATime() async throws {
        let h = try ServiceHarness()
        let transport = FakeMailTransport(latency: .milliseconds(5))
        var configuration = OutboxService.Configuration()
        configuration.batchSize = 10
        configuration.parallelism = 3
        let outbox = h.outbox(transport, configuration: configuration)
        try await enqueue(h, 25)
        #expect(try await outbox.deliverDue() == 25)
        #expect(Set(transport.delivered.map(\.subject)).count == 25)
        #expect(transport.attempts.count == 25)
        #expect(transport.maxInFlight <= 3)
        #expect(try await h.database.queuedCount() == 0)
    }

    @Test func temporaryFailureRetriesWithDoublingBackOff() async throws {
        let h = try ServiceHarness()
        let transport = FakeMailTransport()
        transport.mode = .failTemporarily
        let outbox = h.outbox(transport)
        try await enqueue(h, 1)

        var expectedDelay: TimeInterval = 30
        for attempt in 1...4 {
            let attemptTime = h.clock.now
            #expect(try await outbox.deliverDue() == 0)
            let mail = try #require(try await h.mails().first)
            #expect(mail.state == .queued)
            #expect(mail.attempts == attempt)
            #expect(mail.lastError == "421 service not available")
            #expect(mail.nextAttemptAt == attemptTime.addingTimeInterval(expectedDelay))
            // Not due before its time.
            h.clock.advance(expectedDelay - 1)
            #expect(try await outbox.deliverDue() == 0)
            #expect(transport.attempts.count == attempt)
            h.clock.advance(1)
            expectedDelay *= 2
        }
        transport.mode = .succeed
        #expect(try await outbox.deliverDue() == 1)
        let mail = try #require(try await h.mails().first)
        #expect(mail.state == .sent)
        #expect(mail.attempts == 5)
        #expect(transport.delivered.count == 1)
    }

    @Test func backOffIsCappedAtTheMaximumDelay() async throws {
        let h = try ServiceHarness()
        let transport = FakeMailTransport()
        transport.mode = .failTemporarily
        var configuration = OutboxService.Configuration()
        configuration.firstRetryDelay = 100
        configuration.maxRetryDelay = 250
        let outbox = h.outbox(transport, configuration: configuration)
        try await enqueue(h, 1)
        for delay: TimeInterval in [100, 200, 250, 250] {
            let start = h.clock.now
            try await outbox.deliverDue()
            #expect(try await h.mails().first?.nextAttemptAt == start.addingTimeInterval(delay))
            h.clock.advance(delay)
        }
    }

    @Test func permanentFailureMarksFailed() async throws {
        let h = try ServiceHarness()
        let transport = FakeMailTransport()
        transport.mode = .failPermanently
        let outbox = h.outbox(transport)
        try await enqueue(h, 1)
        #expect(try await outbox.deliverDue() == 0)
        let mail = try #require(try await h.mails().first)
        #expect(mail.state == .failed)
        #expect(mail.attempts == 1)
        #expect(mail.lastError == "550 mailbox unavailable")
        #expect(try await h.database.queuedCount() == 0)
        transport.mode = .succeed
        h.clock.advance(86400)
        #expect(try await outbox.deliverDue() == 0)
        #expect(transport.attempts.count == 1)
    }

    @Test func tooOldMessagesAreGivenUp() async throws {
        let h = try ServiceHarness()
        let transport = FakeMailTransport()
        transport.mode = .failTemporarily
        var configuration = OutboxService.Configuration()
        configuration.maxAge = 3600
        let outbox = h.outbox(transport, configuration: configuration)
        try await enqueue(h, 1)
        h.clock.advance(3600)
        try await outbox.deliverDue()
        #expect(try await h.mails().first?.state == .queued)
        h.clock.advance(3600)
        try await outbox.deliverDue()
        let mail = try #require(try await h.mails().first)
        #expect(mail.state == .failed)
        #expect(mail.attempts == 2)
    }

    @Test func captureTransportWritesOneFilePerMessage() async throws {
        let h = try ServiceHarness()
        let capture = try CaptureMailTransport(directory: h.directory.file("captured/mail"))
        let outbox = h.outbox(capture)
        try await enqueue(h, 2, kind: "upload-summary")
        let queued = try await h.mails()
        #expect(try await outbox.deliverDue() == 2)
        let mails = try await h.mails()
        let names = try FileManager.default.contentsOfDirectory(atPath: capture.directory).sorted()
        let expected = try mails.map { "\(String(format: "%08lld", try #require($0.id)))-upload-summary.eml" }
        #expect(names == expected)
        for (name, mail) in zip(names, queued) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: capture.directory + "/" + name)))
            #expect(bytes == mail.message)
            #expect(!bytes.isEmpty)
            #expect(Int64(name.prefix(8)) == mail.id)
        }
        #expect(mails.allSatisfy { $0.state == .sent })
        // Sent mail keeps subject and envelope for the log, not the body (it may hold a link with a password).
        #expect(mails.allSatisfy { $0.message.isEmpty && !$0.subject.isEmpty })
    }
}

/// A relay double that accepts each message and then loses the connection, the way a real session can end
/// after the message's 250: it reports acceptance, notes the outbox state at that moment, then throws.
private final class AcceptingRelay: MailTransport {
    private let database: SealdropDatabase
    private let state = Mutex((sessions: 0, stateAtAcceptance: [OutboxState]()))

    init(database: SealdropDatabase) {
        self.database = database
    }

    var sessions: Int { state.withLock { $0.sessions } }
    var stateAtAcceptance: [OutboxState] { state.withLock { $0.stateAtAcceptance } }

    func deliver(_ message: OutboxMessage) async throws {
        Issue.record("the outbox must use deliver(_:accepted:)")
    }

    func deliver(_ message: OutboxMessage, accepted: @escaping @Sendable () async -> Void) async throws {
        state.withLock { $0.sessions += 1 }
        await accepted()
        let now = try await database.recentMessages(limit: 1000).first { $0.id == message.id }?.state
        state.withLock { $0.stateAtAcceptance.append(now ?? .queued) }
        throw MailDeliveryError(permanent: false, reason: "connection reset after the message was accepted")
    }
}
