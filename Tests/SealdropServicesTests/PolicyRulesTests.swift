import Foundation
import SealdropCore
@testable import SealdropServices
import Synchronization
import Testing

/// Policy rules: the two-step matching, decline over allow, networks, directory sides failing closed, merging by
/// the conflict settings, and patterns that are refused when saved.
@Suite struct PolicyRulesTests {
    static func email(_ s: String) -> EmailAddress { EmailAddress(s)! }

    /// A directory that knows `members` per selection text, counts its calls and can be "down".
    final class FakeDirectory: DirectoryMembership {
        let members: [String: Set<String>]
        let down: Bool
        let calls = Mutex(0)

        init(members: [String: Set<String>] = [:], down: Bool = false) {
            self.members = members
            self.down = down
        }

        /// The directory's failure.
        struct Down: Error, CustomStringConvertible { var description: String { "ldaps://dc1:636: connection refused" } }

        func matches(_ address: EmailAddress, _ selection: DirectorySelection) async throws -> Bool {
            calls.withLock { $0 += 1 }
            if down { throw Down() }
            return members[selection.text]?.contains(address.normalized) ?? false
        }
    }

    static func service(_ rules: [PolicyRule], conflicts: PolicyConflicts = PolicyConflicts(), directory: any DirectoryMembership = NoDirectory(),
                        global: (inout PolicySettings) -> Void = { _ in }) -> PolicyService {
        var settings = SealdropSettings()
        settings.policyRules = PolicyRules(rules: rules, conflicts: conflicts)
        global(&settings.policy)
        return PolicyService(settings: SettingsStore(settings), directory: directory)
    }

    static let internalAnyone = PolicyService(settings: {
        let s = SettingsStore(SealdropSettings())
        s.update { $0.policyRules.rules = PolicyRules.defaultRules(internalDomains: ["example.com", "example.de"]) }
        return s
    }())

    /// (sender, recipients, allowed, senderAllowed, failed recipients)
    static let internalAnyoneCases: [(String, [String], Bool, Bool, [String])] = [
        ("alice@example.com", ["bob@partner.net"], true, true, []),
        ("alice@example.com", ["carol@example.de", "dave@anywhere.org"], true, true, []),
        ("stranger@partner.net", ["alice@example.com"], true, true, []),
        ("stranger@partner.net", ["other@elsewhere.org"], false, true, ["other@elsewhere.org"]),
        ("stranger@partner.net", ["alice@example.com", "other@elsewhere.org"], false, true, ["other@elsewhere.org"]),
        ("ALICE@Example.COM", ["x@y.org"], true, true, []),
        ("alice@example.com.evil", ["x@y.org"], false, true, ["x@y.org"]),
    ]

    @Test(arguments: internalAnyoneCases)
    func internalToAnyoneAndAnyoneToInternal(_ c: (String, [String], Bool, Bool, [String])) async {
        let result = await Self.internalAnyone.explain(sender: Self.email(c.0), recipients: c.1.map(Self.email), clientIP: nil)
        #expect(result.allowed == c.2)
        #expect(result.senderAllowed == c.3)
        #expect(result.failedRecipients.map(\.address) == c.4)
    }

    @Test func noMatchingRuleRefusesTheSenderAndADeclineBeatsAnAllow() async throws {
        let rules = [
            PolicyRule(name: "sales only", sender: .init(patterns: ["sales.example.com"])),
            PolicyRule(name: "never to competitors", action: .decline, sender: .init(patterns: ["sales.example.com"]),
                       recipient: .init(patterns: ["competitor.example", "/.*@rival\\.example/"])),
        ]
        let p = Self.service(rules)
        await #expect(throws: SealdropError.senderRejected) { try await p.evaluate(sender: Self.email("a@hr.example.com"), recipients: [Self.email("b@x.org")]) }
        let result = try await p.evaluate(sender: Self.email("a@sales.example.com"),
                                          recipients: [Self.email("b@x.org"), Self.email("c@competitor.example"), Self.email("d@rival.example")])
        #expect(result.failedRecipients.map(\.address) == ["c@competitor.example", "d@rival.example"])
        #expect(result.matchedRules == ["sales only"])
        // A sender only a declining rule names is allowed nowhere.
        let declineOnly = Self.service([PolicyRule(name: "block", action: .decline, sender: .init(patterns: ["x.org"]))])
        await #expect(throws: SealdropError.senderRejected) { try await declineOnly.checkSender(Self.email("a@x.org")) }
    }

    @Test func senderNetworksMustHoldTheClient() async {
        let p = Self.service([PolicyRule(name: "office", sender: .init(networks: ["10.0.0.0/8", "2001:db8::/32"]))])
        for (ip, allowed) in [("10.1.2.3", true), ("2001:db8::7", true), ("::ffff:10.9.9.9", true), ("192.168.1.1", false), (nil, false)] as [(String?, Bool)] {
            let result = await p.explain(sender: Self.email("a@x.org"), recipients: [Self.email("b@y.org")], clientIP: ip)
            #expect(result.allowed == allowed, "\(ip ?? "no address")")
        }
    }

    @Test func directorySidesMatchMembersAskOnceAndFailClosed() async {
        let directory = FakeDirectory(members: ["group:CN=Staff,DC=example,DC=org": ["alice@example.org"]])
        let rules = [PolicyRule(name: "staff", sender: .init(ldap: ["group:CN=Staff,DC=example,DC=org"])),
                     PolicyRule(name: "staff again", sender: .init(ldap: ["group:CN=Staff,DC=example,DC=org"]))]
        let p = Self.service(rules, directory: directory)
        let member = await p.explain(sender: Self.email("Alice@example.org"), recipients: [Self.email("b@y.org")], clientIP: nil)
        #expect(member.allowed && member.directoryProblem == nil)
        #expect(directory.calls.withLock { $0 } == 1)
        #expect(await !p.explain(sender: Self.email("mallory@example.org"), recipients: [], clientIP: nil).senderAllowed)

        let down = FakeDirectory(down: true)
        let failing = Self.service(rules + [PolicyRule(name: "domain", sender: .init(patterns: ["partner.net"]))], directory: down)
        let result = await failing.explain(sender: Self.email("alice@example.org"), recipients: [Self.email("b@y.org")], clientIP: nil)
        #expect(!result.senderAllowed, "a directory that is down never allows")
        #expect(result.directoryProblem?.contains("connection refused") == true)
        #expect(await failing.explain(sender: Self.email("p@partner.net"), recipients: [Self.email("b@y.org")], clientIP: nil).allowed)
    }

    @Test func matchingRulesMergeByTheConflictSettings() async throws {
        var small = RuleSettings(), large = RuleSettings()
        small.maxTotalSize = 1_000_000
        small.maxRetentionPeriod = 7
        small.showFileNamesDefault = false
        small.securityModes = [.init(allowedPasswordModes: [.manual, .generated])]
        small.mailSenderName = "Legal"
        large.maxTotalSize = 5_000_000
        large.maxRetentionPeriod = 30
        large.showFileNamesDefault = true
        large.securityModes = [.init(allowedPasswordModes: [.generated, .none])]
        let rules = [PolicyRule(name: "legal", recipient: .init(patterns: ["legal.example"]), settings: small),
                     PolicyRule(name: "all", settings: large)]
        let recipients = [Self.email("a@legal.example"), Self.email("b@x.org")]
        let maximum = try await Self.service(rules).evaluate(sender: Self.email("s@x.org"), recipients: recipients)
        #expect(maximum.settings.maxTotalSize == 5_000_000 && maximum.settings.maxRetentionDays == 30)
        #expect(maximum.settings.allowedPasswordModes == [.generated])
        #expect(maximum.settings.showFileNamesDefault == SealdropSettings().policy.showFileNamesDefault, "disagreeing switch: the server default")
        #expect(maximum.ruleSettings?.mailSenderName == "Legal")
        #expect(Set(maximum.matchedRules) == ["legal", "all"])
        var conflicts = PolicyConflicts()
        conflicts.useMaximumTransferSize = false
        conflicts.useMaximumRetention = false
        conflicts.switches = ["showFileNamesDefault": false]
        conflicts.passwordModes = .union
        let minimum = try await Self.service(rules, conflicts: conflicts).evaluate(sender: Self.email("s@x.org"), recipients: recipients)
        #expect(minimum.settings.maxTotalSize == 1_000_000 && minimum.settings.maxRetentionDays == 7)
        #expect(minimum.settings.defaultRetentionDays == 7)
        #expect(minimum.settings.showFileNamesDefault == false)
        #expect(minimum.settings.allowedPasswordModes == [.manual, .generated, .none])
        // Only the rule a recipient matched counts: to x.org alone, "legal" does not apply.
        let one = try await Self.service(rules).evaluate(sender: Self.email("s@x.org"), recipients: [Self.email("b@x.org")])
        #expect(one.matchedRules == ["all"] && one.settings.maxTotalSize == 5_000_000 && one.settings.showFileNamesDefault)
    }

    @Test(arguments: [
        ("/(a+)+$/", "exponential"), ("/(a|aa)*b/", "exponential"), ("/(x+x+)+y/", "exponential"), ("/([a-z]+)*@x\\.com/", "exponential"),
        ("/(a*){20}/", "exponential"), ("/(a)\\1/", "back-reference"), ("/([a-z/", "not a valid regular expression"),
        ("not a domain!", "neither"), ("", "empty"), ("a\u{0}b.example", "control character"),
    ])
    func dangerousOrBrokenPatternsAreRefusedWhenSaved(_ pattern: String, _ reason: String) {
        #expect { try AddressPattern(pattern) } throws: { ($0 as? AddressPattern.Problem)?.message.contains(reason) == true }
    }

    @Test func usualPatternsAreAcceptedAndAHugeOneIsNot() throws {
        for good in ["/^[a-z.]+@(sales|legal)\\.example\\.com$/", "/(?!jane\\.doe@x\\.com)(.*?@x\\.com)/", "jane@x.com", "@x.com", "sub.x.com",
                     "/(ab){2}c/", "/[a-z]+(\\.[a-z]+)?@x\\.com/"] {
            _ = try AddressPattern(good)
        }
        #expect(throws: AddressPattern.Problem.self) { try AddressPattern("/" + String(repeating: "a", count: 100_000) + "/") }
        // A refused pattern makes the whole rule set unsavable, naming the field.
        var rules = PolicyRules(rules: [PolicyRule(name: "r", sender: .init(patterns: ["/(a+)+$/"]), recipient: .init(networks: ["10.0.0.0/8"])),
                                        PolicyRule(name: "R", sender: .init(ldap: ["member:x"], networks: ["10.0.0.0/33"]))])
        rules.conflicts.switches = ["noSuchSwitch": true]
        let keys = rules.problems().map(\.key)
        #expect(keys.contains("policyRules.rules[0].sender.patterns"))
        #expect(keys.contains("policyRules.rules[0].recipient.networks"))
        #expect(keys.contains("policyRules.rules[1].name"), "names are unique regardless of case")
        #expect(keys.contains("policyRules.rules[1].sender.networks") && keys.contains("policyRules.rules[1].sender.ldap"))
        #expect(keys.contains("policyRules.conflicts.switches"))
    }

    @Test func matchingHostileAddressesStaysBounded() async {
        // The longest legal address against a pattern with a lazy scan: evaluation returns, whatever the input.
        let local = String(repeating: "a", count: 64)
        let domain = (0..<3).map { _ in String(repeating: "b", count: 58) }.joined(separator: ".") + ".example"
        let p = Self.service([PolicyRule(name: "r", sender: .init(patterns: ["/.*.*.*@x\\.com/"]))])
        let result = await p.explain(sender: Self.email("\(local)@\(domain)"), recipients: [], clientIP: nil)
        #expect(!result.senderAllowed)
    }

    @Test func rulesAreCompiledOncePerChange() {
        let cache = CompiledRulesCache()
        let rules = [PolicyRule(name: "r", sender: .init(patterns: ["/^[a-z]+@x\\.example$/"]))]
        let first = cache.rules(for: rules)
        #expect(cache.rules(for: rules) === first, "unchanged rules reuse the compiled list")
        var changed = rules
        changed[0].sender.patterns = ["/^[a-z]+@y\\.example$/"]
        let second = cache.rules(for: changed)
        #expect(second !== first)
        #expect(second.rules[0].sender.patterns[0].matches(Self.email("ab@y.example")))
        #expect(!second.rules[0].sender.patterns[0].matches(Self.email("ab@x.example")))
    }
}
