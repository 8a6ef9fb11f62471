import Crypto
import Foundation
import GRDB
import SealdropCore
@testable import SealdropServices
@testable import SealdropStore
import Testing

/// `VerificationService`: codes by mail, hashed storage, tokens and their validity terms, rate limits.
@Suite struct VerificationServiceTests {
    static let client = "client-0001"

    /// The code from the body of a verification mail.
    func code(in mail: OutboxMessage) throws -> String {
        let body = try ParsedMail(mail.message).body
        let match = try #require(body.firstMatch(of: /\ {4}([A-Z0-9]{10})\b/))
        return String(match.1)
    }

    /// Requests a code and returns it as the mail shows it.
    func requestCode(_ h: ServiceHarness, _ service: VerificationService, email: EmailAddress = Sample.alice) async throws -> String {
        try await service.requestCode(email: email, clientId: Self.client, clientIP: nil, language: "en")
        let mail = try #require(try await h.mails("verification-code").last)
        return try code(in: mail)
    }

    @Test func requestCodeQueuesMailAndStoresOnlyAHash() async throws {
        let h = try ServiceHarness()
        let service = h.verification()
        try await service.requestCode(email: Sample.alice, clientId: Self.client, clientIP: nil, language: "en")
        let mails = try await h.mails()
        #expect(mails.map(\.kind) == ["verification-code"])
        #expect(mails[0].envelopeTo == [Sample.alice.address])
        #expect(mails[0].state == .queued)
        let code = try code(in: mails[0])

        let stored = try #require(try await h.database.code(email: Sample.alice, clientId: Self.client))
        #expect(stored.codeHash.count == 48)
        #expect(stored.expiresAt == h.clock.now.addingTimeInterval(15 * 60))
        let salt = Array(stored.codeHash.prefix(16))
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array("\(Sample.alice.normalized)\n\(Self.client)\n\(code)".utf8))
        #expect(Array(stored.codeHash.suffix(32)) == Array(hasher.finalize()))

        // Every byte of the stored row, in any column: the code text is not there.
        let rowBytes: [UInt8] = try await h.database.writer.read { db in
            var bytes: [UInt8] = []
            for row in try Row.fetchAll(db, sql: "SELECT * FROM verification_codes") {
                for (_, value) in row {
                    switch value.storage {
                    case .blob(let data): bytes += Array(data)
                    case .string(let s): bytes += Array(s.utf8)
                    case .int64(let i): bytes += Array("\(i)".utf8)
                    case .double(let d): bytes += Array("\(d)".utf8)
                    case .null: break
                    }
                }
            }
            return bytes
        }
        #expect(!rowBytes.isEmpty)
        #expect(!contains(rowBytes, Array(code.utf8)))
    }

    @Test func redeemWithTheRightCodeGivesAToken() async throws {
        let h = try ServiceHarness()
        let service = h.verification()
        let code = try await requestCode(h, service)
        let grant = try await service.redeem(email: Sample.alice, clientId: Self.client, code: code.lowercased())
        #expect(grant.token.count >= 40)
        #expect(try await h.database.code(email: Sample.alice, clientId: Self.client) == nil)
        let record = try #require(try await h.database.verification(tokenHash: VerifiedSender.hash(token: grant.token)))
        #expect(record.email == Sample.alice)
        #expect(record.clientId == Self.client)
        let sender = try await service.authenticate(email: Sample.alice, clientId: Self.client, token: grant.token)
        #expect(sender.email == Sample.alice)
        let status = try await service.status(email: Sample.alice, clientId: Self.client, token: grant.token)
        #expect(status.verified)
        // The token is bound to its address and client id.
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.authenticate(email: Sample.bob, clientId: Self.client, token: grant.token)
        }
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.authenticate(email: Sample.alice, clientId: "other-client", token: grant.token)
        }
        // A code works once.
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.redeem(email: Sample.alice, clientId: Self.client, code: code)
        }
    }

    @Test func wrongCodesAreCountedAndEndTheCode() async throws {
        let h = try ServiceHarness { $0.verification.maxCodeAttempts = 3 }
        let service = h.verification()
        let code = try await requestCode(h, service)
        for attempt in 1...2 {
            await #expect(throws: SealdropError.invalidVerification) {
                _ = try await service.redeem(email: Sample.alice, clientId: Self.client, code: "WRONGCODE0")
            }
            #expect(try await h.database.code(email: Sample.alice, clientId: Self.client)?.failedAttempts == attempt)
        }
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.redeem(email: Sample.alice, clientId: Self.client, code: "WRONGCODE0")
        }
        #expect(try await h.database.code(email: Sample.alice, clientId: Self.client) == nil)
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.redeem(email: Sample.alice, clientId: Self.client, code: code)
        }
    }

    @Test func codeFromAnotherClientOrTooLateIsRejected() async throws {
        let h = try ServiceHarness()
        let service = h.verification()
        let code = try await requestCode(h, service)
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.redeem(email: Sample.alice, clientId: "client-0002", code: code)
        }
        h.clock.advance(15 * 60)
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.redeem(email: Sample.alice, clientId: Self.client, code: code)
        }
    }

    @Test func validityIsTheEarlierOfMaximumAndIdleTerm() async throws {
        let h = try ServiceHarness {
            $0.verification.maxValidityDays = 10
            $0.verification.idleValidityDays = 3
        }
        let service = h.verification()
        let start = h.clock.now
        let grant = try await service.redeem(email: Sample.alice, clientId: Self.client, code: try await requestCode(h, service))
        #expect(grant.validUntil == start.addingTimeInterval(3 * 86400))

        // Each use restarts the idle term, so the token outlives three days of total time...
        for day in [2.0, 4.0, 6.0, 8.0] {
            h.clock.advance(2 * 86400)
            _ = try await service.authenticate(email: Sample.alice, clientId: Self.client, token: grant.token)
            let status = try await service.status(email: Sample.alice, clientId: Self.client, token: grant.token)
            #expect(status.verified)
            #expect(status.validUntil == min(start.addingTimeInterval(10 * 86400), start.addingTimeInterval((day + 3) * 86400)))
        }
        // ...but never the maximum term.
        h.clock.advance(2 * 86400 - 1)
        _ = try await service.authenticate(email: Sample.alice, clientId: Self.client, token: grant.token)
        h.clock.advance(1)
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.authenticate(email: Sample.alice, clientId: Self.client, token: grant.token)
        }
        #expect(try await service.status(email: Sample.alice, clientId: Self.client, token: grant.token).verified == false)
    }

    @Test func unusedTokenExpiresAfterTheIdleTerm() async throws {
        let h = try ServiceHarness {
            $0.verification.maxValidityDays = 30
            $0.verification.idleValidityDays = 2
        }
        let service = h.verification()
        let grant = try await service.redeem(email: Sample.alice, clientId: Self.client, code: try await requestCode(h, service))
        h.clock.advance(2 * 86400 - 1)
        #expect(try await service.status(email: Sample.alice, clientId: Self.client, token: grant.token).verified)
        h.clock.advance(1)
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.authenticate(email: Sample.alice, clientId: Self.client, token: grant.token)
        }
    }

    @Test func codeRequestsAreRateLimitedPerAddress() async throws {
        let h = try ServiceHarness { $0.verification.maxCodeRequestsPer10Minutes = 2 }
        let service = h.verification()
        try await service.requestCode(email: Sample.alice, clientId: Self.client, clientIP: nil, language: "en")
        h.clock.advance(60)
        try await service.requestCode(email: Sample.alice, clientId: Self.client, clientIP: nil, language: "en")
        let error = await #expect(throws: SealdropError.self) {
            try await service.requestCode(email: Sample.alice, clientId: Self.client, clientIP: nil, language: "en")
        }
        #expect(error?.code == .tooManyRequests)
        #expect(error?.status == 429)
        #expect(try await h.mails("verification-code").count == 2)
        // Another address is not affected; the window slides.
        try await service.requestCode(email: Sample.bob, clientId: Self.client, clientIP: nil, language: "en")
        h.clock.advance(541)
        try await service.requestCode(email: Sample.alice, clientId: Self.client, clientIP: nil, language: "en")
        #expect(try await h.mails("verification-code").count == 4)
    }

    /// Asks for codes for `count` different addresses, client id and source from `who(i)`; returns how many went out.
    func flood(_ service: VerificationService, count: Int = 300, who: (Int) -> (client: String, ip: String?)) async throws -> Int {
        var accepted = 0
        for i in 0..<count {
            let (client, ip) = who(i)
            do {
                try await service.requestCode(email: EmailAddress("victim\(i)@example.com")!, clientId: client, clientIP: ip, language: "en")
                accepted += 1
            } catch let error as SealdropError {
                #expect(error.code == .tooManyRequests)
            }
        }
        return accepted
    }

    @Test func oneClientIdCannotMailManyAddresses() async throws {
        let h = try ServiceHarness()
        let service = h.verification()
        #expect(try await flood(service) { i in (Self.client, "192.0.2.\(i % 250)") } == 10)
        #expect(try await h.mails("verification-code").count == 10)
        // Ten minutes later the client may ask again.
        h.clock.advance(600)
        try await service.requestCode(email: Sample.alice, clientId: Self.client, clientIP: "192.0.2.1", language: "en")
    }

    @Test func oneSourceCannotMailManyAddressesWithFreshClientIds() async throws {
        let h = try ServiceHarness()
        let service = h.verification()
        #expect(try await flood(service) { i in ("client-\(i)", "198.51.100.7") } == 30)
        // A new client id from the same address is cut too; another address is not.
        await #expect(throws: SealdropError.tooManyRequests) {
            try await service.requestCode(email: Sample.alice, clientId: "client-new", clientIP: "198.51.100.7", language: "en")
        }
        try await service.requestCode(email: Sample.alice, clientId: "client-new", clientIP: "198.51.100.8", language: "en")
        #expect(try await h.mails("verification-code").count == 31)
    }

    @Test func anIPv6SourceIsItsSlash64() async throws {
        let h = try ServiceHarness { $0.verification.maxCodeRequestsPerSourcePer10Minutes = 3 }
        let service = h.verification()
        #expect(try await flood(service, count: 10) { i in ("client-\(i)", "2001:db8:1:2::\(i + 1)") } == 3)
        try await service.requestCode(email: Sample.alice, clientId: "client-new", clientIP: "2001:db8:1:3::1", language: "en")
    }

    @Test func theServerWideBudgetCutsManySources() async throws {
        let h = try ServiceHarness()
        let service = h.verification()
        let sources: (Int) -> (client: String, ip: String?) = { i in ("client-\(i)", "10.\(i / 250).\(i % 250).1") }
        #expect(try await flood(service, who: sources) == 60)
        h.clock.advance(60)
        #expect(try await flood(service, count: 100) { sources($0 + 1000) } == 60)

        let hourly = try ServiceHarness {
            $0.verification.maxCodeMailsPerMinute = 1000
            $0.verification.maxCodeMailsPerHour = 100
        }
        #expect(try await flood(hourly.verification(), who: sources) == 100)
        #expect(try await hourly.mails("verification-code").count == 100)
    }

    @Test func registeredClientIdVerifiesWithoutCode() async throws {
        let h = try ServiceHarness { $0.verification.registeredClientIds = ["outlook-addin": "Outlook"] }
        let service = h.verification()
        let grant = try await service.redeem(email: Sample.alice, clientId: "outlook-addin", code: nil)
        _ = try await service.authenticate(email: Sample.alice, clientId: "outlook-addin", token: grant.token)
        await #expect(throws: SealdropError.invalidVerification) {
            _ = try await service.redeem(email: Sample.alice, clientId: Self.client, code: nil)
        }
    }
}
