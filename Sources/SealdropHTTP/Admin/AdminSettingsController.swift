import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The settings pages: one generic form per section, the mail server with a test mail, legal texts,
/// and "reset all verifications". Every save applies at once and is audited by `RuntimeSettings`.
struct AdminSettingsController: Sendable {
    let surface: AdminSurface

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.signedIn(first: .settingsSection).get("admin/settings/:section", use: page)
        router.signedIn(first: .settingsForm).post("admin/settings/:section", use: save)
        let forms = router.signedIn(first: .formPost)
        forms.post("admin/mail/test", use: testMail)
        forms.post("admin/verification/reset", use: resetVerifications)
        forms.post("admin/directory/check", use: checkDirectory)
        forms.post("admin/archive/check", use: checkArchive)
        forms.post("admin/archive/accept-host-key", use: acceptHostKey)
        forms.post("admin/archive/key", use: generateArchiveKey)
        forms.post("admin/archive/jobs/:trackingId/retry", use: retryArchiveJob)
    }

    static func section(_ context: some RequestContext) throws -> SettingsSection {
        guard let id = context.parameters.get("section"), let section = SettingsSection.named(id) else { throw AdminError.notFound("The settings page") }
        return section
    }

    @Sendable func page(_ request: Request, context: AdminContext) async throws -> Response {
        let section = try Self.section(context)
        let admin = try context.principal(section.permission)
        let archive = section.id == "archive" ? try await archivePage(check: nil) : nil
        return try render(section, request, admin, form: nil, problems: [], archive: archive,
                          backups: section.id == "backup" ? try await backupsPage(request) : nil)
    }

    /// The form of `section`, with submitted values and problems when a save failed.
    func render(_ section: SettingsSection, _ request: Request, _ admin: AdminPrincipal, form: [String: String]?, problems: [FieldProblem],
                test: SettingsPage.TestMail? = nil, directoryCheck: (steps: [DirectoryCheckStep], testAddress: String)? = nil,
                archive: SettingsPage.Archive? = nil, backups: SettingsPage.Backups? = nil) throws -> Response {
        let language = WebPages.language(of: request)
        let strings = surface.pages.strings[language] ?? [:]
        let current = try section.formValues(surface.settings.current)
        var page = SettingsPage(
            section: section.id, title: strings["nav.\(section.id)"] ?? section.id, intro: strings["intro.\(section.id)"],
            problems: problems.map { FieldProblem(strings["field.\($0.field)"] ?? $0.field, $0.message) },
            fields: section.fields.map { field(section, $0, admin: admin, strings: strings, form: form, current: current, problems: problems) })
        if let test {
            page.testResult = test.testResult
            page.testOK = test.testOK
            page.testTo = test.testTo
        }
        if section.id == "mail" {
            let mail = surface.settings.current.mail
            var fields = MailSettingsForm.values(relayURL: mail.relayURL, from: mail.from)
            for (key, value) in form ?? [:] where key.hasPrefix("mail.") && key != "mail.password" { fields[key] = value }
            page.mail = Dictionary(uniqueKeysWithValues: fields.map { (String($0.key.split(separator: ".").last ?? ""), $0.value) })
            page.securityOptions = MailSettingsForm.securityModes.map { mode in
                SettingsPage.Option(value: mode, label: strings["security.\(mode)"] ?? mode, selected: fields["mail.security"] == mode)
            }
            func error(_ key: String) -> String? { problems.first(where: { $0.field == key })?.message }
            page.errorMailSecurity = error("mail.security")
            page.errorMailHost = error("mail.host")
            page.errorMailPort = error("mail.port")
            page.errorMailUsername = error("mail.username")
            page.errorMailPassword = error("mail.password")
            page.errorMailFrom = error("mail.from")
            page.errorTo = error("to")
            page.hasPassword = !(fields["hasPassword"] ?? "").isEmpty
            page.effectiveRelay = RelayURL.redacted(surface.mail.effectiveURL)
            page.relayPinned = surface.runtime.isPinned("mail.relayURL")
            page.fromPinned = surface.runtime.isPinned("mail.from")
            page.configuredRelay = RelayURL.redacted(surface.mail.configuredURL)
            page.configuredFrom = surface.process.from
            page.effectiveFrom = surface.effectiveMailFrom
        }
        if section.id == "verification" { page.isVerification = true }
        if section.id == "directory" {
            page.isDirectory = true
            page.directorySteps = directoryCheck?.steps
            page.hasDirectorySteps = directoryCheck.map { !$0.steps.isEmpty }
            page.testAddress = directoryCheck?.testAddress
        }
        page.archive = archive
        page.backups = backups
        if section.id == "connection" { page.baseURL = surface.notifications.baseURL }
        if section.id == "legal" { page.legal = legalPage(form: form) }
        let status: HTTPResponse.Status = problems.isEmpty ? .ok : .badRequest
        let template = ["legal": "settings-legal", "mail": "settings-mail"][section.id] ?? "settings"
        let model: Any = page.legal.map { TemplateContext(page, $0) } ?? page
        return surface.render(template, request, admin, status: status, model)
    }

    /// One field of the generic form: its current (or submitted) value, whether it is read-only, its problem.
    func field(_ section: SettingsSection, _ field: SettingsSection.Field, admin: AdminPrincipal, strings: [String: String],
               form: [String: String]?, current: [String: Any], problems: [FieldProblem]) -> SettingsPage.Field {
        var item = SettingsPage.Field(
            key: field.key, id: "f-" + field.key.replacingOccurrences(of: ".", with: "-"), label: strings["field.\(field.key)"] ?? field.key,
            pinned: surface.runtime.isPinned(field.key) || !SettingsSection.allows(admin.role, field),
            restricted: !SettingsSection.allows(admin.role, field))
        // Mustache treats an empty string as true: optional texts are left out instead.
        item.help = strings["help.\(field.key)"]
        item.error = problems.first(where: { $0.field == field.key })?.message
        let shown: Any = form.map { f -> Any in
            if case .flag = field.kind { return f[field.key] == "on" }
            return f[field.key] ?? ""
        } ?? current[field.key] ?? ""
        switch field.kind {
        case .flag: item.isFlag = true; item.checked = (shown as? Bool) ?? false
        case .lines, .clientIds: item.isLines = true; item.value = "\(shown)"
        case .choice(let options):
            item.isChoice = true
            item.options = options.map { SettingsPage.Option(value: $0, label: strings["option.\($0)"] ?? $0, selected: "\(shown)" == $0) }
        case .integer, .mebibytes: item.isNumber = true; item.value = "\(shown)"
        case .text: item.isText = true; item.value = field.key == "mail.relayURL" ? RelayURL.redacted("\(shown)") : "\(shown)"
        case .secret: item.isSecret = true
        case .secretText: item.isSecretText = true
        case .longText: item.isLines = true; item.value = "\(shown)"
        }
        return item
    }

    @Sendable func save(_ request: Request, context: AdminContext) async throws -> Response {
        let section = try Self.section(context)
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, section.permission, accounts: surface.accounts)
        // A patch is any subset of the settings document, merged key by key into it: untyped on purpose.
        var (patch, problems): ([String: Any], [FieldProblem])
        switch section.id {
        case "legal": (patch, problems) = legalPatch(form)
        case "mail":
            (patch, problems) = MailSettingsForm.patch(form, stored: surface.settings.current.mail.relayURL)
        default: (patch, problems) = section.patch(from: form)
        }
        // Fields pinned by the configuration file, or beyond the role, are shown read-only and not sent back.
        for field in section.fields where surface.runtime.isPinned(field.key) || !SettingsSection.allows(admin.role, field) {
            SettingsSection.remove(&patch, field.key)
        }
        if problems.isEmpty {
            do {
                try await surface.runtime.apply(patch: patch, actor: admin.actor, allowedKeys: section.keys, relay: surface.mail,
                                                authorize: surface.authorizeChanges(by: admin))
                return AdminSurface.redirect("/admin/settings/\(section.id)?notice=saved")
            } catch AdminError.invalid(let found) {
                problems = found
            }
        }
        return try render(section, request, admin, form: form, problems: problems, archive: section.id == "archive" ? try await archivePage(check: nil) : nil,
                          backups: section.id == "backup" ? try await backupsPage(request) : nil)
    }

    // MARK: - Legal

    func legalPage(form: [String: String]?) -> SettingsPage.Legal {
        let legal = surface.settings.current.legal
        let types = ["text", "html", "link"]
        return SettingsPage.Legal(
            termsActive: legal.termsActive,
            texts: WebPages.languages.map { language in
                let text = legal.terms.first { $0.locale == language }
                let prefix = "terms.\(language)."
                let type = form?[prefix + "type"] ?? text?.type ?? "html"
                return SettingsPage.Legal.Text(language: language, prefix: prefix, title: form?[prefix + "title"] ?? text?.title ?? "",
                                               content: form?[prefix + "content"] ?? text?.content ?? "",
                                               types: types.map { SettingsPage.Legal.TypeOption(value: $0, selected: $0 == type) })
            },
            imprintTitle: form?["imprint.title"] ?? legal.imprint.title,
            imprintContent: form?["imprint.content"] ?? legal.imprint.content,
            imprintTypes: types.map { SettingsPage.Legal.TypeOption(value: $0, selected: $0 == (form?["imprint.type"] ?? legal.imprint.type)) })
    }

    /// Terms per language and the imprint; a changed terms text starts a new `termsLastChange`, so users
    /// accept it again. The patch is untyped like every settings patch (`RuntimeSettings.apply(patch:)`).
    func legalPatch(_ form: [String: String]) -> ([String: Any], [FieldProblem]) {
        let legal = surface.settings.current.legal
        var terms: [[String: Any]] = []
        var problems: [FieldProblem] = []
        for language in WebPages.languages {
            let prefix = "terms.\(language)."
            let title = (form[prefix + "title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let content = form[prefix + "content"] ?? ""
            if title.isEmpty && content.isEmpty { continue }
            if title.isEmpty || title.count > 200 { problems.append(FieldProblem("legal", "Give the \(language) terms a title of 1 to 200 characters.")) }
            terms.append(["locale": language, "title": title, "content": content, "type": form[prefix + "type"] ?? "html"])
        }
        let imprint: [String: Any] = ["locale": "en", "title": (form["imprint.title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                                      "content": form["imprint.content"] ?? "", "type": form["imprint.type"] ?? "html"]
        var patch: [String: Any] = ["legal": ["terms": terms, "imprint": imprint]]
        let oldTerms = legal.terms.map { "\($0.locale)\u{0}\($0.title)\u{0}\($0.content)\u{0}\($0.type)" }
        let newTerms = terms.map { "\($0["locale"]!)\u{0}\($0["title"]!)\u{0}\($0["content"]!)\u{0}\($0["type"]!)" }
        if oldTerms != newTerms { SettingsSection.set(&patch, "legal.termsLastChange", Date().timeIntervalSinceReferenceDate) }
        return (patch, problems)
    }

    // MARK: - Actions

    @Sendable func testMail(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .manageMail, accounts: surface.accounts)
        let to = (form["to"] ?? "").trimmingCharacters(in: .whitespaces)
        guard EmailAddress(to) != nil else {
            return try render(SettingsSection.named("mail")!, request, admin, form: nil, problems: [FieldProblem("to", "Enter the address to send the test mail to.")])
        }
        let builder = MailMessageBuilder(from: surface.effectiveMailFrom, messageIdHost: URL(string: surface.process.baseURL)?.host ?? "localhost")
        let result = await surface.mail.sendTest(to: to, from: surface.effectiveMailFrom, builder: builder)
        try await surface.audit.record(actor: admin.actor, action: "mail.test", target: to, new: String(result.answer.prefix(300)))
        return try render(SettingsSection.named("mail")!, request, admin, form: nil, problems: [],
                          test: SettingsPage.TestMail(testResult: result.answer, testOK: result.ok, testTo: to))
    }

    /// "Check connection" on the directory page: the saved settings, optionally looking one address up.
    @Sendable func checkDirectory(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        let address = String((form["testAddress"] ?? "").trimmingCharacters(in: .whitespaces).prefix(320))
        let steps = await surface.directory.check(surface.settings.current.directory, testAddress: address.isEmpty ? nil : address)
        try await surface.audit.record(actor: admin.actor, action: "directory.check", target: address.isEmpty ? "directory" : address,
                                       new: steps.allSatisfy(\.ok) ? "ok" : "failed")
        guard let section = SettingsSection.named("directory") else { throw AdminError.notFound("The settings page") }
        return try render(section, request, admin, form: nil, problems: [], directoryCheck: (steps, address))
    }

    @Sendable func resetVerifications(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, sensitive: true, accounts: surface.accounts)
        let count = try await surface.verification.endAllVerifications()
        try await surface.audit.record(actor: admin.actor, action: "verification.reset-all", target: "verifications", new: "\(count) ended")
        return AdminSurface.redirect("/admin/settings/verification?notice=verificationsReset")
    }
}

extension SettingsSection {
    /// Removes a dotted key from a settings patch (untyped, see `RuntimeSettings.apply(patch:)`).
    static func remove(_ object: inout [String: Any], _ key: String) {
        let parts = key.split(separator: ".").map(String.init)
        if parts.count == 1 {
            object.removeValue(forKey: parts[0])
            return
        }
        guard var inner = object[parts[0]] as? [String: Any] else { return }
        remove(&inner, parts.dropFirst().joined(separator: "."))
        object[parts[0]] = inner
    }
}
