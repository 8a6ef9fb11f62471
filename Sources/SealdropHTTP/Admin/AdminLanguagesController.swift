import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Languages: the built-in ones and the uploaded language packs, with the texts each pack lacks.
///
/// | Method | Path | Permission |
/// |---|---|---|
/// | GET | `/admin/languages` | editSettings |
/// | POST | `/admin/languages` (multipart: `csrf`, `file`) | editSettings |
/// | POST | `/admin/languages/{locale}/delete` | editSettings |
/// | GET | `/admin/api/languages` | editSettings |
/// | PUT | `/admin/api/languages` (body: the ZIP) | editSettings |
/// | DELETE | `/admin/api/languages/{locale}` | editSettings |
struct AdminLanguagesController: Sendable {
    let surface: AdminSurface
    let packs: LanguagePackService
    /// The English web texts: what a pack's `web.json` is checked against.
    let reference: [String: String]

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let signedIn = router.signedIn()
        signedIn.get("admin/languages", use: page)
        // A multipart upload: the handler reads the body itself (and checks the CSRF token in it).
        signedIn.post("admin/languages", use: upload)
        router.signedIn(first: .formPost).post("admin/languages/:locale/delete", use: delete)
        signedIn.get("admin/api/languages", use: list)
        signedIn.put("admin/api/languages", use: apiUpload)
        signedIn.delete("admin/api/languages/:locale", use: apiDelete)
    }

    // MARK: - Pages

    @Sendable func page(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        return render(request, admin, problem: nil)
    }

    func render(_ request: Request, _ admin: AdminPrincipal, problem: String?) -> Response {
        let page = LanguagesPage(
            title: surface.pages.strings[WebPages.language(of: request)]?["nav.languages"] ?? "Languages",
            builtIn: WebPages.languages.map { LanguagesPage.BuiltIn(code: $0, name: surface.pages.strings[$0]?["languageName"] ?? $0) },
            packs: packs.current.map { pack in
                let missing = pack.missingWebKeys(reference: reference)
                let missingMail = pack.missingMailKeys
                return LanguagesPage.Pack(locale: pack.locale, name: pack.displayName, version: pack.version, id: pack.id,
                                          uploadedBy: pack.uploadedBy, uploadedAt: APIDate.format(pack.uploadedAt),
                                          lastChange: pack.lastChange.map { APIDate.format($0) }, missing: missing,
                                          missingCount: missing.count, complete: missing.isEmpty, missingMail: missingMail,
                                          missingMailCount: missingMail.count, mailComplete: missingMail.isEmpty)
            },
            hasPacks: !packs.current.isEmpty,
            maxSizeMiB: LanguagePackService.maxUploadSize / (1024 * 1024),
            fileError: problem)
        return surface.render("languages", request, admin, status: problem == nil ? .ok : .badRequest, page)
    }

    /// `languages`: the built-in languages, the uploaded packs with the texts each lacks, and a refused upload's reason.
    struct LanguagesPage {
        /// A language compiled into the server.
        struct BuiltIn { let code: String, name: String }
        /// An uploaded pack; `lastChange` absent when its manifest has none.
        struct Pack {
            let locale: String, name: String, version: String, id: String, uploadedBy: String, uploadedAt: String
            let lastChange: String?
            let missing: [String]
            let missingCount: Int
            let complete: Bool
            /// Mail templates (`<kind>.<part>`) the pack lacks; those mails go out in English.
            let missingMail: [String]
            let missingMailCount: Int
            let mailComplete: Bool
        }

        let title: String
        let builtIn: [BuiltIn]
        let packs: [Pack]
        let hasPacks: Bool
        let maxSizeMiB: Int
        let fileError: String?
    }

    @Sendable func upload(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: LanguagePackService.maxUploadSize + 64 * 1024))
        } catch {
            let admin = try context.principal(.editSettings)
            return render(request, admin, problem: "The ZIP is larger than \(LanguagePackService.maxUploadSize / (1024 * 1024)) MiB.")
        }
        guard let form = MultipartForm(contentType: request.headers[.contentType], body: body) else {
            throw AdminError.invalid([FieldProblem("file", "Send the form with a ZIP file.")])
        }
        let admin = try AdminSurface.formPrincipal(context, form.fields, .editSettings, accounts: surface.accounts)
        guard let zip = form.files["file"], !zip.isEmpty else { return render(request, admin, problem: "Choose a language pack (ZIP) to upload.") }
        do {
            try await packs.upload(zip, by: admin.actor)
        } catch AdminError.invalid(let problems) {
            return render(request, admin, problem: problems.first?.message)
        }
        return AdminSurface.redirect("/admin/languages?notice=languageUploaded")
    }

    @Sendable func delete(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        guard let locale = context.parameters.get("locale"), try await packs.delete(locale: locale, by: admin.actor) else {
            throw AdminError.notFound("The language pack")
        }
        return AdminSurface.redirect("/admin/languages?notice=languageDeleted")
    }

    // MARK: - JSON API

    /// A pack as the admin API shows it.
    struct PackBody: Encodable, Sendable {
        let locale: String, id: String, displayName: String, version: String
        let lastChangeTimestamp: Nullable<String>
        let uploadedBy: String, uploadedAt: String
        let files: [String], missingKeys: [String], missingMailTemplates: [String]
    }

    /// `GET /admin/api/languages`.
    struct ListBody: Encodable, Sendable {
        let builtIn: [String]
        let languagePacks: [PackBody]
    }

    func json(_ pack: StoredLanguagePack) -> PackBody {
        PackBody(locale: pack.locale, id: pack.id, displayName: pack.displayName, version: pack.version,
                 lastChangeTimestamp: Nullable(pack.lastChange.map { APIDate.format($0) }), uploadedBy: pack.uploadedBy,
                 uploadedAt: APIDate.format(pack.uploadedAt), files: pack.files.keys.sorted(), missingKeys: pack.missingWebKeys(reference: reference),
                 missingMailTemplates: pack.missingMailKeys)
    }

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        return AdminAPIController.json(ListBody(builtIn: WebPages.languages, languagePacks: packs.current.map(json)))
    }

    @Sendable func apiUpload(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let zip: [UInt8]
        do {
            zip = Array(buffer: try await request.body.collect(upTo: LanguagePackService.maxUploadSize))
        } catch {
            throw AdminError.invalid([FieldProblem("file", "The ZIP is larger than \(LanguagePackService.maxUploadSize / (1024 * 1024)) MiB.")])
        }
        let pack = try await packs.upload(zip, by: admin.actor)
        return AdminAPIController.json(json(pack), status: .created)
    }

    @Sendable func apiDelete(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        guard let locale = context.parameters.get("locale"), try await packs.delete(locale: locale, by: admin.actor) else {
            throw AdminError.notFound("The language pack")
        }
        return Response(status: .noContent)
    }
}
