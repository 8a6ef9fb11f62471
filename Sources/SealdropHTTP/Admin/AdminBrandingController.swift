import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Mail layout and branding: product name, colours and logo, with a preview of every notification in every
/// mail language before anything is saved.
///
/// | Method | Path | Permission |
/// |---|---|---|
/// | GET | `/admin/branding` | editSettings |
/// | POST | `/admin/branding` (multipart: `csrf`, `branding.*`, `logo`, `removeLogo`) | editSettings |
/// | POST | `/admin/branding/preview` (the same form plus `kind`, `language`): the rendered mail, nothing saved | editSettings |
/// | GET | `/admin/branding/logo` | editSettings |
/// | GET, PUT | `/admin/api/settings/branding` (the generic settings section) | editSettings |
/// | PUT | `/admin/api/branding/logo` (body: the PNG or SVG) | editSettings |
/// | DELETE | `/admin/api/branding/logo` | editSettings |
struct AdminBrandingController: Sendable {
    let surface: AdminSurface
    let branding: BrandingService

    /// The form's size limit: the logo plus the text fields.
    static let bodyLimit = LogoCheck.maxSize + 64 * 1024

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let signedIn = router.signedIn()
        signedIn.get("admin/branding", use: page)
        // Multipart posts: the handlers read the body themselves (and check the CSRF token in it).
        signedIn.post("admin/branding", use: save)
        signedIn.post("admin/branding/preview", use: preview)
        signedIn.get("admin/branding/logo", use: logo)
        signedIn.put("admin/api/branding/logo", use: apiUpload)
        signedIn.delete("admin/api/branding/logo", use: apiDelete)
    }

    static let section = SettingsSection.named("branding")!

    // MARK: - Page

    @Sendable func page(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        return try render(request, admin, form: nil, problems: [])
    }

    func render(_ request: Request, _ admin: AdminPrincipal, form: [String: String]?, problems: [FieldProblem]) throws -> Response {
        let strings = surface.strings(language: WebPages.language(of: request))
        let current = try Self.section.formValues(surface.settings.current)
        func value(_ key: String) -> String { form?[key] ?? (current[key] as? String) ?? "" }
        func error(_ key: String) -> String? { problems.first { $0.field == key }?.message }
        let logo = branding.logo
        let page = BrandingPage(
            title: strings["nav.branding"] ?? "Branding",
            fields: Self.section.fields.map { field in
                BrandingPage.Field(key: field.key, id: field.key.replacingOccurrences(of: ".", with: "-"), label: strings["field.\(field.key)"] ?? field.key,
                                   value: value(field.key), isColor: field.key != "branding.productName", error: error(field.key))
            },
            hasLogo: logo != nil, logoVersion: logo.map { Int64($0.uploadedAt.timeIntervalSince1970) } ?? 0,
            logoFacts: logo.map { "\($0.mediaType), \($0.bytes.count) bytes, \($0.uploadedBy), \(APIDate.format($0.uploadedAt))" } ?? "",
            logoError: error("logo"), maxLogoKiB: LogoCheck.maxSize / 1024,
            kinds: MailKind.allCases.map { BrandingPage.Option(value: $0.rawValue, label: strings["mail.\($0.rawValue)"] ?? $0.rawValue) },
            languages: surface.notifications.previewLanguages.map { BrandingPage.Option(value: $0, label: $0) },
            otherProblems: problems.filter { problem in problem.field != "logo" && !Self.section.fields.contains { $0.key == problem.field } })
        return surface.render("branding", request, admin, status: problems.isEmpty ? .ok : .badRequest, page)
    }

    /// `branding`: the fields, the logo and the preview choices.
    struct BrandingPage {
        /// A text field; colours get a colour swatch.
        struct Field { let key: String, id: String, label: String, value: String, isColor: Bool, error: String? }
        /// An entry of a select.
        struct Option { let value: String, label: String }

        let title: String
        let fields: [Field]
        let hasLogo: Bool
        let logoVersion: Int64
        let logoFacts: String
        let logoError: String?
        let maxLogoKiB: Int
        let kinds: [Option]
        let languages: [Option]
        let otherProblems: [FieldProblem]
    }

    // MARK: - Form posts

    /// The multipart form of the page, its principal checked against the CSRF token in it.
    func readForm(_ request: Request, _ context: AdminContext) async throws -> (MultipartForm, AdminPrincipal) {
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: Self.bodyLimit))
        } catch {
            _ = try context.principal(.editSettings)
            throw AdminError.invalid([FieldProblem("logo", "The logo is larger than \(LogoCheck.maxSize / 1024) KiB.")])
        }
        guard let form = MultipartForm(contentType: request.headers[.contentType], body: body) else {
            throw AdminError.invalid([FieldProblem("logo", "Send the form as the page does (multipart/form-data).")])
        }
        return (form, try AdminSurface.formPrincipal(context, form.fields, .editSettings, accounts: surface.accounts))
    }

    /// Branding settings as the form sets them; problems name their field.
    func submitted(_ form: MultipartForm) -> (settings: BrandingSettings, patch: [String: Any], problems: [FieldProblem]) {
        var fields = form.fields
        // Colour pickers send lower case; typed values may not. One spelling keeps the audit free of non-changes.
        for key in ["branding.accentColor", "branding.backgroundColor", "branding.textColor"] { fields[key] = fields[key]?.lowercased() }
        let (patch, problems) = Self.section.patch(from: fields)
        var branding = surface.settings.current.branding
        if let values = patch["branding"] as? [String: Any] {
            branding.productName = (values["productName"] as? String) ?? branding.productName
            branding.accentColor = (values["accentColor"] as? String) ?? branding.accentColor
            branding.backgroundColor = (values["backgroundColor"] as? String) ?? branding.backgroundColor
            branding.textColor = (values["textColor"] as? String) ?? branding.textColor
        }
        return (branding, patch, problems + RuntimeSettings.fieldProblems(branding.validationErrors()))
    }

    @Sendable func save(_ request: Request, context: AdminContext) async throws -> Response {
        let (form, admin) = try await readForm(request, context)
        let (_, patch, problems) = submitted(form)
        let newLogo = form.files["logo"].flatMap { $0.isEmpty ? nil : $0 }
        var logoProblem: [FieldProblem] = []
        if let newLogo {
            do { _ = try LogoCheck().mediaType(of: newLogo) } catch { logoProblem = [FieldProblem("logo", error.message)] }
        }
        guard problems.isEmpty, logoProblem.isEmpty else { return try render(request, admin, form: form.fields, problems: problems + logoProblem) }
        do {
            try await surface.runtime.apply(patch: patch, actor: admin.actor, allowedKeys: Self.section.keys, authorize: surface.authorizeChanges(by: admin))
            if let newLogo {
                try await branding.upload(newLogo, by: admin.actor)
            } else if form.fields["removeLogo"] == "on" {
                _ = try await branding.delete(by: admin.actor)
            }
        } catch AdminError.invalid(let problems) {
            return try render(request, admin, form: form.fields, problems: problems)
        }
        return AdminSurface.redirect("/admin/branding?notice=saved")
    }

    /// The chosen notification rendered with the submitted, unsaved values, as a page of its own that can
    /// neither run script nor load anything (the logo travels inside as a `data:` URI).
    @Sendable func preview(_ request: Request, context: AdminContext) async throws -> Response {
        let (form, admin) = try await readForm(request, context)
        let (settings, _, problems) = submitted(form)
        var logo = branding.logo
        if let bytes = form.files["logo"], !bytes.isEmpty {
            do {
                logo = StoredLogo(mediaType: try LogoCheck().mediaType(of: bytes), bytes: bytes, uploadedBy: admin.actor, uploadedAt: Date())
            } catch {
                return try render(request, admin, form: form.fields, problems: problems + [FieldProblem("logo", error.message)])
            }
        } else if form.fields["removeLogo"] == "on" {
            logo = nil
        }
        guard problems.isEmpty else { return try render(request, admin, form: form.fields, problems: problems) }
        guard let kind = form.fields["kind"].flatMap(MailKind.init(rawValue:)) else {
            return try render(request, admin, form: form.fields, problems: [FieldProblem("kind", "Choose a notification to preview.")])
        }
        let language = form.fields["language"] ?? "en"
        guard surface.notifications.previewLanguages.contains(language) else {
            return try render(request, admin, form: form.fields, problems: [FieldProblem("language", "Choose a language to preview.")])
        }
        let mail = surface.notifications.previewing(settings, logo: logo).preview(kind, language: language)
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
        let subject = "<!-- " + mail.subject.replacingOccurrences(of: "--", with: "- -") + " -->\n"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: subject + mail.html)))
    }

    @Sendable func logo(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        guard let logo = branding.logo else { throw AdminError.notFound("The logo") }
        var response = try BrandingController.logoResponse(logo)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: - JSON API

    /// The stored logo as the admin API shows it.
    struct LogoBody: Encodable, Sendable {
        let mediaType: String, size: Int, uploadedBy: String, uploadedAt: String
    }

    @Sendable func apiUpload(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let bytes: [UInt8]
        do {
            bytes = Array(buffer: try await request.body.collect(upTo: LogoCheck.maxSize))
        } catch {
            throw AdminError.invalid([FieldProblem("logo", "The logo is larger than \(LogoCheck.maxSize / 1024) KiB.")])
        }
        let logo = try await branding.upload(bytes, by: admin.actor)
        return AdminAPIController.json(LogoBody(mediaType: logo.mediaType, size: logo.bytes.count, uploadedBy: logo.uploadedBy,
                                                uploadedAt: APIDate.format(logo.uploadedAt)), status: .created)
    }

    @Sendable func apiDelete(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        guard try await branding.delete(by: admin.actor) else { throw AdminError.notFound("The logo") }
        return Response(status: .noContent)
    }
}
