import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// `PolicyService` pattern matching: exact address, domain, `@domain`, anchored regex, empty list.
@Suite struct PolicyServiceTests {
    func email(_ s: String) -> EmailAddress { EmailAddress(s)! }

    func policy(senders: [String] = [], recipients: [String] = []) -> PolicyService {
        var settings = SealdropSettings()
        settings.policy.senderPatterns = senders
        settings.policy.recipientPatterns = recipients
        return PolicyService(settings: SettingsStore(settings))
    }

    @Test func emptyListsAllowEveryone() async throws {
        let p = policy()
        try await p.checkSender(email("anyone@anywhere.example"))
        let evaluation = try await p.evaluate(sender: email("a@b.example"), recipients: [email("x@y.example"), email("z@w.example")])
        #expect(evaluation.allowed)
        #expect(evaluation.failedRecipients.isEmpty)
    }

    @Test func exactAddressMatchesIgnoringCase() async throws {
        let p = policy(senders: [" Alice@Example.org "])
        try await p.checkSender(email("alice@example.org"))
        try await p.checkSender(email("ALICE@EXAMPLE.ORG"))
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("bob@example.org")) }
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("malice@example.org")) }
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("alice@example.org.evil")) }
    }

    @Test(arguments: ["example.org", "@example.org", "EXAMPLE.ORG", "@Example.Org"])
    func domainPatternsMatchTheWholeDomain(_ pattern: String) async throws {
        let p = policy(recipients: [pattern])
        let evaluation = try await p.evaluate(sender: email("s@sender.example"), recipients: [
            email("bob@example.org"), email("Carol@EXAMPLE.org"), email("dave@sub.example.org"), email("eve@example.org.evil"),
            email("frank@notexample.org"),
        ])
        #expect(!evaluation.allowed)
        #expect(evaluation.failedRecipients == [email("dave@sub.example.org"), email("eve@example.org.evil"), email("frank@notexample.org")])
    }

    @Test func anchoredRegexMatchesTheWholeAddress() async throws {
        let p = policy(senders: [#"^[a-z]+@(sales|legal)\.example\.com$"#], recipients: [#"^.*@partner\.example$"#, "example.net"])
        try await p.checkSender(email("anna@sales.example.com"))
        try await p.checkSender(email("Anna@Legal.Example.com"))
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("anna1@sales.example.com")) }
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("anna@hr.example.com")) }
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("anna@sales.example.com.evil")) }
        let evaluation = try await p.evaluate(sender: email("anna@sales.example.com"), recipients: [
            email("x@partner.example"), email("y@example.net"), email("z@partner.example.org"),
        ])
        #expect(evaluation.failedRecipients == [email("z@partner.example.org")])
    }

    /// The example pattern from the product documentation: everyone at x.com except one address.
    @Test func documentedLookaheadExample() async throws {
        let p = policy(senders: [#"^(?!jane\.doe@x\.com)(.*?@x\.com)"#])
        try await p.checkSender(email("john@x.com"))
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("jane.doe@x.com")) }
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("john@y.com")) }
    }

    @Test func invalidRegexMatchesNothing() async throws {
        let p = policy(senders: ["^(unclosed", "ok.example"])
        await #expect(throws: SealdropError.senderRejected) { try await p.checkSender(email("unclosed@x.example")) }
        try await p.checkSender(email("a@ok.example"))
    }

    @Test func rejectedSenderFailsTheWholeEvaluation() async throws {
        let p = policy(senders: ["example.org"])
        await #expect(throws: SealdropError.senderRejected) { _ = try await p.evaluate(sender: email("a@example.com"), recipients: [email("b@example.org")]) }
    }
}
