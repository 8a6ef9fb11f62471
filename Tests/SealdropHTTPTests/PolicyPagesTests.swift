import Foundation
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropHTTP

/// The rule editor pages: default rules, a new rule, move, copy, delete, conflicts, the test form, refusals
/// next to their field, and a form that saw an older list.
@Suite struct PolicyPagesTests {
    @Test func anAdministratorBuildsTheRulesOnThePages() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ida", role: .administrator)
            let empty = try await admin.send(.get, "/admin/policy")
            #expect(empty.status == .ok && empty.text.contains(#"id="no-rules""#))

            #expect(try await admin.post("/admin/policy/default-rules", [("internalDomains", "Example.org\nexample.de")]).status == .seeOther)
            var rules = admin.server.settings.current.policyRules
            #expect(rules.rules.map(\.name) == ["Internal senders to anyone", "Anyone to internal recipients"])
            #expect(rules.internalDomains == ["example.org", "example.de"])

            // A new rule from the form; a catastrophic pattern is refused next to its field first.
            try await admin.send(.get, "/admin/policy/rules/new")
            var fields: [(String, String)] = [("expectedName", ""), ("name", "Never to rivals"), ("action", "decline"),
                                              ("sender.patterns", ""), ("recipient.patterns", "/(a+)+@rival\\.example/"),
                                              ("settings.maxTotalSize", "100"), ("settings.maxRetentionPeriod", "7"), ("mode.GENERATED", "on")]
            let refused = try await admin.post("/admin/policy/rules/new", fields)
            #expect(refused.status == .badRequest && refused.text.contains("recipient.patterns") && refused.text.contains("exponential"))
            fields[4] = ("recipient.patterns", "rival.example")
            fields.append(("settings.archive", "on"))
            #expect(try await admin.post("/admin/policy/rules/new", fields).status == .seeOther)
            rules = admin.server.settings.current.policyRules
            #expect(rules.rules.last?.action == .decline && rules.rules.last?.recipient.patterns == ["rival.example"])
            #expect(rules.rules.last?.settings.archive == true && rules.rules.first?.settings.archive == nil)
            let form = try await admin.send(.get, "/admin/policy/rules/2")
            #expect(form.text.contains(#"<option value="on" selected>"#))
            #expect(rules.rules.last.map { $0.settings.maxTotalSize } == Int64(104_857_600))

            // Move it to the top, copy it, delete the copy; a form that saw another name changes nothing.
            #expect(try await admin.post("/admin/policy/rules/2/up", [("expectedName", "Never to rivals")]).status == .seeOther)
            #expect(try await admin.post("/admin/policy/rules/1/up", [("expectedName", "Never to rivals")]).status == .seeOther)
            #expect(admin.server.settings.current.policyRules.rules[0].name == "Never to rivals")
            #expect(try await admin.post("/admin/policy/rules/0/copy", [("expectedName", "Never to rivals")]).status == .seeOther)
            #expect(admin.server.settings.current.policyRules.rules[1].name == "Never to rivals (2)")
            let stale = try await admin.post("/admin/policy/rules/1/delete", [("expectedName", "Something else")])
            #expect(stale.status == .conflict)
            #expect(try await admin.post("/admin/policy/rules/1/delete", [("expectedName", "Never to rivals (2)")]).status == .seeOther)
            #expect(admin.server.settings.current.policyRules.rules.count == 3)

            // The test form shows the verdict and the rules that matched.
            let test = try await admin.post("/admin/policy/test", [("sender", "sam@partner.net"), ("recipients", "alice@example.org, eve@rival.example")])
            #expect(test.status == .ok && test.text.contains(#"id="test-failed">eve@rival.example"#))
            #expect(test.text.contains(#"id="test-matched">Anyone to internal recipients"#))

            // Conflict settings.
            #expect(try await admin.post("/admin/policy/conflicts", [("useMaximumRetention", "on"), ("passwordModes", "union"),
                                                                     ("switch.showFileNamesDefault", "off")]).status == .seeOther)
            let conflicts = admin.server.settings.current.policyRules.conflicts
            #expect(!conflicts.useMaximumTransferSize && conflicts.useMaximumRetention && conflicts.passwordModes == .union)
            #expect(conflicts.switches == ["showFileNamesDefault": false])
            let list = try await admin.send(.get, "/admin/policy")
            #expect(list.text.contains(#"id="rule-0""#) && list.text.contains("Never to rivals"))
            let audited = try await admin.server.database.recentAuditEntries(limit: 50).filter { $0.target.hasPrefix("policyRules") }
            #expect(audited.count >= 5)
        }
    }
}
