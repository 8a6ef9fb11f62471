import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The policy rule editor: the ordered rules with move, copy and delete; a form per rule; the default rules,
/// the conflict settings, a test of sender and recipients, and CSV export and import. Every change goes through
/// `RuntimeSettings` (checked, persisted, audited). Forms carry the rule's name as they saw it, so a rule
/// another administrator moved or renamed meanwhile is never changed by mistake.
///
/// | Method | Path | Permission |
/// |---|---|---|
/// | GET | `/admin/policy` | editSettings |
/// | GET, POST | `/admin/policy/rules/{index}` and `/admin/policy/rules/new` | editSettings |
/// | POST | `/admin/policy/rules/{index}/{up, down, copy, delete}` | editSettings |
/// | POST | `/admin/policy/default-rules`, `/admin/policy/conflicts`, `/admin/policy/test` | editSettings |
/// | POST | `/admin/policy/import` (multipart: `csrf`, `file`, `update`) | editSettings |
struct AdminPolicyPagesController: Sendable {
    let surface: AdminSurface
    let policy: PolicyService

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.signedIn().get("admin/policy", use: page)
        router.signedIn().get("admin/policy/rules/:index", use: rulePage)
        let forms = router.signedIn(first: .formPost)
        forms.post("admin/policy/rules/:index", use: saveRule)
        forms.post("admin/policy/rules/:index/:operation", use: operate)
        forms.post("admin/policy/default-rules", use: defaultRules)
        forms.post("admin/policy/conflicts", use: conflicts)
        forms.post("admin/policy/test", use: test)
        router.signedIn().post("admin/policy/import", use: importCSV)
    }

    var rules: PolicyRules { surface.settings.current.policyRules }

    func strings(_ request: Request) -> [String: String] { surface.strings(language: WebPages.language(of: request)) }

    // MARK: - The list

    /// `policy`: the rules, the conflict settings, the test form and its result.
    struct PolicyPage {
        /// A row of the rules table.
        struct Row {
            let index: Int, number: Int
            let name: String, action: String, sender: String, recipient: String, limits: String
            let isFirst: Bool, isLast: Bool
        }
        /// A switch of the conflict settings: the server default, on or off.
        struct Switch { let name: String, label: String, isDefault: Bool, isOn: Bool, isOff: Bool }
        /// The result of a test.
        struct TestResult {
            let allowed: Bool, senderAllowed: Bool
            let failed: String, matched: String, limits: String
            let directoryProblem: String?
        }

        let title: String
        let rows: [Row]
        let hasRules: Bool
        let internalDomains: String
        let useMaximumTransferSize: Bool, useMaximumRetention: Bool
        let passwordUnion: Bool
        let switches: [Switch]
        let testSender: String, testRecipients: String, testClientIP: String
        let result: TestResult?
        let problems: [FieldProblem]
    }

    @Sendable func page(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        return render(request, admin, problems: [])
    }

    func render(_ request: Request, _ admin: AdminPrincipal, problems: [FieldProblem], test: (String, String, String)? = nil,
                result: PolicyService.Evaluation? = nil) -> Response {
        let t = strings(request)
        let current = rules
        func side(_ s: PolicyRule.Side) -> String {
            let all = s.patterns + s.ldap + s.networks
            return all.isEmpty ? (t["policyAnyone"] ?? "anyone") : all.prefix(4).joined(separator: ", ") + (all.count > 4 ? " …" : "")
        }
        func limits(_ s: RuleSettings) -> String {
            "\(DisplayFormat.size(s.maxTotalSize, language: "en")), \(s.maxRetentionPeriod) d, \(s.allowedPasswordModes.map(\.rawValue).joined(separator: "/"))"
        }
        let rows = current.rules.enumerated().map { index, rule in
            PolicyPage.Row(index: index, number: index + 1, name: rule.name, action: t[rule.action == .allow ? "policyActionAllow" : "policyActionDecline"] ?? rule.action.rawValue,
                           sender: side(rule.sender), recipient: side(rule.recipient), limits: rule.action == .allow ? limits(rule.settings) : "",
                           isFirst: index == 0, isLast: index == current.rules.count - 1)
        }
        let page = PolicyPage(
            title: t["nav.policy"] ?? "Policy rules", rows: rows, hasRules: !rows.isEmpty,
            internalDomains: current.internalDomains.joined(separator: "\n"),
            useMaximumTransferSize: current.conflicts.useMaximumTransferSize, useMaximumRetention: current.conflicts.useMaximumRetention,
            passwordUnion: current.conflicts.passwordModes == .union,
            switches: RuleSettings.switchNames.map { name in
                let value = current.conflicts.switches[name]
                return PolicyPage.Switch(name: name, label: t["policySwitch.\(name)"] ?? name, isDefault: value == nil, isOn: value == true, isOff: value == false)
            },
            testSender: test?.0 ?? "", testRecipients: test?.1 ?? "", testClientIP: test?.2 ?? "",
            result: result.map { r in
                PolicyPage.TestResult(allowed: r.allowed, senderAllowed: r.senderAllowed, failed: r.failedRecipients.map(\.address).joined(separator: ", "),
                                      matched: r.matchedRules.joined(separator: ", "), limits: r.ruleSettings.map(limits) ?? "",
                                      directoryProblem: r.directoryProblem)
            },
            problems: problems)
        return surface.render("policy", request, admin, status: problems.isEmpty ? .ok : .badRequest, page)
    }

    // MARK: - One rule

    /// `policy-rule`: the form of one rule (new when `index` is nil).
    struct RulePage {
        /// A switch of the rule.
        struct Switch { let name: String, label: String, on: Bool }
        /// A password mode and whether the rule allows it.
        struct Mode { let value: String, label: String, on: Bool }

        let title: String
        let target: String
        let expectedName: String
        let name: String
        let isAllow: Bool
        let senderPatterns: String, senderLDAP: String, senderNetworks: String
        let recipientPatterns: String, recipientLDAP: String
        let maxTotalSizeMiB: String, maxRetentionPeriod: String
        let switches: [Switch]
        let modes: [Mode]
        let mailSenderName: String, mailSenderAddress: String
        /// The rule's `archive` setting as a choice: the archive's default, on, off.
        let archiveOptions: [Mode]
        let problems: [FieldProblem]
    }

    static func index(_ context: AdminContext, count: Int) throws -> Int? {
        guard let text = context.parameters.get("index") else { throw AdminError.notFound("The rule") }
        if text == "new" { return nil }
        guard let index = Int(text), (0..<count).contains(index) else { throw AdminError.notFound("The rule") }
        return index
    }

    @Sendable func rulePage(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let index = try Self.index(context, count: rules.rules.count)
        let rule = index.map { rules.rules[$0] } ?? PolicyRule(name: "")
        return renderRule(request, admin, rule: rule, index: index, expectedName: rule.name, problems: [])
    }

    func renderRule(_ request: Request, _ admin: AdminPrincipal, rule: PolicyRule, index: Int?, expectedName: String, problems: [FieldProblem]) -> Response {
        let t = strings(request)
        let s = rule.settings
        let page = RulePage(
            title: index == nil ? (t["policyNewRule"] ?? "New rule") : rule.name, target: "/admin/policy/rules/\(index.map(String.init) ?? "new")",
            expectedName: expectedName, name: rule.name, isAllow: rule.action == .allow,
            senderPatterns: rule.sender.patterns.joined(separator: "\n"), senderLDAP: rule.sender.ldap.joined(separator: "\n"),
            senderNetworks: rule.sender.networks.joined(separator: "\n"), recipientPatterns: rule.recipient.patterns.joined(separator: "\n"),
            recipientLDAP: rule.recipient.ldap.joined(separator: "\n"),
            maxTotalSizeMiB: String(s.maxTotalSize / (1024 * 1024)), maxRetentionPeriod: String(s.maxRetentionPeriod),
            switches: RuleSettings.switchNames.map { RulePage.Switch(name: $0, label: t["policySwitch.\($0)"] ?? $0, on: s[switch: $0]) },
            modes: PasswordMode.allCases.map { RulePage.Mode(value: $0.rawValue, label: t["policyMode.\($0.rawValue)"] ?? $0.rawValue,
                                                              on: s.allowedPasswordModes.contains($0)) },
            mailSenderName: s.mailSenderName, mailSenderAddress: s.mailSenderAddress,
            archiveOptions: [("default", nil), ("on", true), ("off", false)].map { value, setting in
                RulePage.Mode(value: value, label: t["policyArchive.\(value)"] ?? value, on: s.archive == setting)
            },
            problems: problems.map { FieldProblem(Self.shortKey($0.field), $0.message) })
        return surface.render("policy-rule", request, admin, status: problems.isEmpty ? .ok : .badRequest, page)
    }

    /// `policyRules.rules[3].sender.patterns` → `sender.patterns`, as the form names its fields.
    static func shortKey(_ key: String) -> String {
        guard let range = key.range(of: #"^policyRules\.rules\[\d+\]\."#, options: .regularExpression) else { return key }
        return String(key[range.upperBound...])
    }

    /// The rule a submitted form describes; problems for numbers that are not numbers.
    static func rule(from form: [String: String]) -> (PolicyRule, [FieldProblem]) {
        func lines(_ key: String) -> [String] { SettingsSection.lines(form[key] ?? "") }
        var problems: [FieldProblem] = []
        var rule = PolicyRule(name: (form["name"] ?? "").trimmingCharacters(in: .whitespaces), action: form["action"] == "decline" ? .decline : .allow,
                              sender: .init(patterns: lines("sender.patterns"), ldap: lines("sender.ldap"), networks: lines("sender.networks")),
                              recipient: .init(patterns: lines("recipient.patterns"), ldap: lines("recipient.ldap")))
        if let mib = Int64((form["settings.maxTotalSize"] ?? "").trimmingCharacters(in: .whitespaces)), (1...(1 << 30)).contains(mib) {
            rule.settings.maxTotalSize = mib * 1024 * 1024
        } else {
            problems.append(FieldProblem("settings.maxTotalSize", "Enter a size in MiB from 1 to 1073741824."))
        }
        if let days = Int((form["settings.maxRetentionPeriod"] ?? "").trimmingCharacters(in: .whitespaces)) {
            rule.settings.maxRetentionPeriod = days
        } else {
            problems.append(FieldProblem("settings.maxRetentionPeriod", "Enter a number of days."))
        }
        for name in RuleSettings.switchNames { rule.settings[switch: name] = form["settings.\(name)"] == "on" }
        rule.settings.securityModes = [.init(allowedPasswordModes: PasswordMode.allCases.filter { form["mode.\($0.rawValue)"] == "on" })]
        rule.settings.mailSenderName = (form["settings.mailSenderName"] ?? "").trimmingCharacters(in: .whitespaces)
        rule.settings.mailSenderAddress = (form["settings.mailSenderAddress"] ?? "").trimmingCharacters(in: .whitespaces)
        rule.settings.archive = ["on": true, "off": false][form["settings.archive"] ?? ""]
        return (rule, problems)
    }

    @Sendable func saveRule(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        let index = try Self.index(context, count: rules.rules.count)
        let expected = form["expectedName"] ?? ""
        let (rule, problems) = Self.rule(from: form)
        guard problems.isEmpty else { return renderRule(request, admin, rule: rule, index: index, expectedName: expected, problems: problems) }
        do {
            try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) { settings throws(AdminError) in
                if let index {
                    guard index < settings.policyRules.rules.count, settings.policyRules.rules[index].name == expected else {
                        throw AdminError.conflict("The rules changed meanwhile; open the list again.")
                    }
                    settings.policyRules.rules[index] = rule
                } else {
                    settings.policyRules.rules.append(rule)
                }
            }
        } catch AdminError.invalid(let problems) {
            return renderRule(request, admin, rule: rule, index: index, expectedName: expected, problems: problems)
        }
        return AdminSurface.redirect("/admin/policy?notice=saved")
    }

    @Sendable func operate(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        guard let index = try Self.index(context, count: rules.rules.count) else { throw AdminError.notFound("The rule") }
        let operation = context.parameters.get("operation") ?? ""
        guard ["up", "down", "copy", "delete"].contains(operation) else { throw AdminError.notFound("The action") }
        let expected = form["expectedName"] ?? ""
        try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) { settings throws(AdminError) in
            var list = settings.policyRules.rules
            guard index < list.count, list[index].name == expected else { throw AdminError.conflict("The rules changed meanwhile; open the list again.") }
            switch operation {
            case "up" where index > 0: list.swapAt(index, index - 1)
            case "down" where index < list.count - 1: list.swapAt(index, index + 1)
            case "copy":
                var copy = list[index]
                copy.name = PolicyRules.freeName(copy.name, in: list)
                list.insert(copy, at: index + 1)
            case "delete": list.remove(at: index)
            default: break
            }
            settings.policyRules.rules = list
        }
        return AdminSurface.redirect("/admin/policy?notice=saved")
    }

    // MARK: - Default rules, conflicts, test, import

    @Sendable func defaultRules(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        let domains = SettingsSection.lines(form["internalDomains"] ?? "").map { $0.lowercased() }
        guard !domains.isEmpty else { return render(request, admin, problems: [FieldProblem("internalDomains", "Name at least one of your domains.")]) }
        do {
            try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) {
                $0.policyRules.addDefaultRules(internalDomains: domains)
            }
        } catch AdminError.invalid(let problems) {
            return render(request, admin, problems: problems)
        }
        return AdminSurface.redirect("/admin/policy?notice=saved")
    }

    @Sendable func conflicts(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        var conflicts = PolicyConflicts()
        conflicts.useMaximumTransferSize = form["useMaximumTransferSize"] == "on"
        conflicts.useMaximumRetention = form["useMaximumRetention"] == "on"
        conflicts.passwordModes = form["passwordModes"] == "union" ? .union : .intersection
        for name in RuleSettings.switchNames {
            switch form["switch.\(name)"] {
            case "on": conflicts.switches[name] = true
            case "off": conflicts.switches[name] = false
            default: break
            }
        }
        try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) { $0.policyRules.conflicts = conflicts }
        return AdminSurface.redirect("/admin/policy?notice=saved")
    }

    @Sendable func test(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        let senderText = (form["sender"] ?? "").trimmingCharacters(in: .whitespaces)
        let recipientLines = SettingsSection.lines((form["recipients"] ?? "").replacingOccurrences(of: ",", with: "\n"))
        let ip = (form["clientIP"] ?? "").trimmingCharacters(in: .whitespaces)
        let echo = (senderText, recipientLines.joined(separator: "\n"), ip)
        guard let sender = EmailAddress(senderText) else {
            return render(request, admin, problems: [FieldProblem("sender", "Enter the sender's email address.")], test: echo)
        }
        var recipients: [EmailAddress] = []
        for line in recipientLines.prefix(500) {
            guard let address = EmailAddress(line) else {
                return render(request, admin, problems: [FieldProblem("recipients", "\(line.prefix(80)) is not an email address.")], test: echo)
            }
            recipients.append(address)
        }
        if !ip.isEmpty, IPNetwork(ip) == nil {
            return render(request, admin, problems: [FieldProblem("clientIP", "\(ip.prefix(80)) is not an IP address.")], test: echo)
        }
        let result = await policy.explain(sender: sender, recipients: recipients, clientIP: ip.isEmpty ? nil : ip)
        return render(request, admin, problems: [], test: echo, result: result)
    }

    @Sendable func importCSV(_ request: Request, context: AdminContext) async throws -> Response {
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: PolicyCSV.maxSize + 64 * 1024))
        } catch {
            let admin = try context.principal(.editSettings)
            return render(request, admin, problems: [FieldProblem("file", "The file is larger than 1 MiB.")])
        }
        guard let form = MultipartForm(contentType: request.headers[.contentType], body: body) else {
            throw AdminError.invalid([FieldProblem("file", "Send the form with a CSV file.")])
        }
        let admin = try AdminSurface.formPrincipal(context, form.fields, .editSettings, accounts: surface.accounts)
        guard let data = form.files["file"], !data.isEmpty else { return render(request, admin, problems: [FieldProblem("file", "Choose a CSV file.")]) }
        let update = form.fields["update"] == "on"
        do {
            // Merged into the rules as they are when this change's turn comes, so an edit made meanwhile is kept.
            try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) { settings throws(AdminError) in
                do {
                    settings.policyRules.rules = try PolicyCSV.importing(data, into: settings.policyRules.rules, update: update)
                } catch let failure as PolicyCSV.ImportFailure {
                    throw failure.adminError
                } catch {
                    throw AdminError.invalid([FieldProblem("file", "The file could not be read.")])
                }
            }
        } catch AdminError.invalid(let problems) {
            return render(request, admin, problems: problems)
        }
        return AdminSurface.redirect("/admin/policy?notice=saved")
    }
}
