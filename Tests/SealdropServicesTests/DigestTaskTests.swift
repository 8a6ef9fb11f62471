import Foundation
import GRDB
import Logging
import SealdropCore
@testable import SealdropServices
import SealdropStore
import Testing

/// The daily digest: who gets it, what it counts, which transfers it lists, and that it goes through the outbox.
@Suite struct DigestTaskTests {
    typealias Fixture = RetentionTaskTests.Fixture

    func task(_ f: Fixture) throws -> DigestTask {
        let notifications = Notifications(builder: MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org"),
                                          templates: try MailTemplates(), baseURL: "https://sealdrop.test")
        return DigestTask(log: f.database, totals: f.database, outbox: f.database, notifications: notifications, settings: f.settings,
                          logger: Logger(label: "sealdrop.tests"), now: f.clock.closure)
    }

    @Test func theDigestCountsTheLastDayAndListsItsNewestTransfers() async throws {
        let f = try Fixture()
        let now = Fixture.now
        let hoursAgo = { (h: Double) in now.addingTimeInterval(-h * 3600) }
        let first = try await f.transfer(sender: "alice@example.org", state: .active, created: hoursAgo(20), finalized: hoursAgo(20),
                                         files: [1_048_576, 1_048_576], downloads: 2)
        let second = try await f.transfer(sender: "dora@example.org", state: .active, created: hoursAgo(2), finalized: hoursAgo(2), files: [512], downloads: 1)
        let failed = try await f.transfer(state: .failed, created: hoursAgo(3), finalized: nil, files: [7], downloads: 0)
        let yesterday = try await f.transfer(sender: "old@example.org", state: .active, created: hoursAgo(30), finalized: hoursAgo(30), downloads: 0)
        let failedAt = hoursAgo(5).timeIntervalSince1970
        try await f.queue.write { db in
            try db.execute(sql: """
                INSERT INTO outbox (kind, envelope_from, envelope_to_json, subject, message, state, created_at, next_attempt_at)
                VALUES ('recipient-notification', 'a@example.org', '["x@example.org"]', 'Files', X'', 'FAILED', ?, ?)
                """, arguments: [failedAt, failedAt])
        }
        f.settings.update { $0.downloadProtection.adminEmails = ["root@example.org", "ops@example.org"] }

        #expect(try await task(f).runOnce() == "digest mailed to 2 administrators")
        let queued = try await f.queue.read { try Row.fetchAll($0, sql: "SELECT * FROM outbox WHERE kind = 'digest'") }
        #expect(queued.count == 1)
        let mail = try #require(try await f.database.recentMessages(limit: 10).first { $0.kind == "digest" })
        #expect(mail.envelopeTo == ["root@example.org", "ops@example.org"] && mail.state == .queued && mail.trackingId == nil)
        #expect(mail.subject.hasPrefix("Sealdrop transfer log: 2 transfers sent since "))
        let body = try ParsedMail(mail.message).body
        for line in ["Transfers sent: 2", "Files: 3 (2", "Downloads: 3", "Failed transfers: 1", "Mails that could not be delivered: 1",
                     "Some transfers or mails failed"] {
            #expect(body.contains(line), "\(line)")
        }
        // Newest first; the failed session is listed, the transfer of the day before is not.
        let listed = [second, failed, first].map { body.range(of: $0)?.lowerBound }
        #expect(listed.allSatisfy { $0 != nil } && listed[0]! < listed[1]! && listed[1]! < listed[2]!)
        #expect(!body.contains(yesterday) && body.contains("dora@example.org") && !body.contains("old@example.org"))
        let html = try #require(try ParsedMail(mail.message).html)
        #expect(html.contains("<strong>2</strong>") && html.contains(second))

        // Its own recipients take precedence; rows 0 lists none.
        f.settings.update { $0.digest.recipients = ["audit@example.org"]; $0.digest.rows = 0 }
        #expect(try await task(f).runOnce() == "digest mailed to 1 administrator")
        let own = try #require(try await f.database.recentMessages(limit: 1).first)
        #expect(own.envelopeTo == ["audit@example.org"])
        let ownBody = try ParsedMail(own.message).body
        #expect(ownBody.contains("Transfers sent: 2") && !ownBody.contains("Newest transfers") && !ownBody.contains(second))
    }

    @Test func withoutAnAddressNothingIsQueued() async throws {
        let f = try Fixture()
        f.settings.update { $0.digest.recipients = ["not an address"] }
        #expect(try await task(f).runOnce() == "no administrator has a mail address")
        #expect(try await f.count("SELECT COUNT(*) FROM outbox") == 0)
    }
}
