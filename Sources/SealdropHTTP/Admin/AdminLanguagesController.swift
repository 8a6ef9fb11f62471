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
        router.get("admin/languages", use: page)
        router.post("admin/languages", use: upload)
        router.post("admin/languages/:locale/delete", use: delete)
        router.get("admin/api/languages", use: list)
        router.put("admin/api/languages", use: apiUpload)
        router.delete("admin/api/languages/:locale", use: apiDelete)
    }

    // MARK: - Pages

    @Sendable func page(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        return render(request, admin, problem: nil)
    }

    func render(_ request: Request, _ admin: AdminPrincipal, problem: String?) -> Response {
        var values: [String: Any] = [
            "title": surface.pages.strings[WebPages.language(of: request)]?["nav.languages"] ?? "Languages",
            "builtIn": WebPages.languages.map { ["code": $0, "name": surface.pages.strings[$0]?["languageName"] ?? $0] },
            "packs": packs.current.map { pack -> [String: Any] in
                let missing = pack.missingWebKeys(reference: reference)
                var item: [String: Any] = ["locale": pack.locale, "name": pack.displayName, "version": pack.version, "id": pack.id,
                                           "uploadedBy": pack.uploadedBy, "uploadedAt": APIDate.format(pack.uploadedAt),
                                           "missing": missing, "missingCount": missing.count, "complete": missing.isEmpty]
                if let last = pack.lastChange { item["lastChange"] = APIDate.format(last) }
                return item
            },
            "hasPacks": !packs.current.isEmpty,
            "maxSizeMiB": LanguagePackService.maxUploadSize / (1024 * 1024),
        ]
        if let problem { values["fileError"] = problem }
        return surface.render("languages", request, admin, status: problem == nil ? .ok : .badRequest, values)
    }

    @Sendable func upload(_ request: Request, context: SealdropRequestContext) async throws -> Response {
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

    @Sendable func delete(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        guard let locale = context.parameters.get("locale"), try await packs.delete(locale: locale, by: admin.actor) else {
            throw AdminError.notFound("The language pack")
        }
        return AdminSurface.redirect("/admin/languages?notice=languageDeleted")
    }

    // MARK: - JSON API

    func json(_ pack: StoredLanguagePack) -> [String: Any] {
        ["locale": pack.locale, "id": pack.id, "displayName": pack.displayName, "version": pack.version,
         "lastChangeTimestamp": pack.lastChange.map { APIDate.format($0) } ?? NSNull(), "uploadedBy": pack.uploadedBy,
         "uploadedAt": APIDate.format(pack.uploadedAt), "files": pack.files.keys.sorted(), "missingKeys": pack.missingWebKeys(reference: reference)]
    }

    @Sendable func list(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        return try AdminAPIController.json(["builtIn": WebPages.languages, "languagePacks": packs.current.map(json)])
    }

    @Sendable func apiUpload(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let zip: [UInt8]
        do {
            zip = Array(buffer: try await request.body.collect(upTo: LanguagePackService.maxUploadSize))
        } catch {
            throw AdminError.invalid([FieldProblem("file", "The ZIP is larger than \(LanguagePackService.maxUploadSize / (1024 * 1024)) MiB.")])
        }
        let pack = try await packs.upload(zip, by: admin.actor)
        return try AdminAPIController.json(json(pack), status: .created)
    }

    @Sendable func apiDelete(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        guard let locale = context.parameters.get("locale"), try await packs.delete(locale: locale, by: admin.actor) else {
            throw AdminError.notFound("The language pack")
        }
        return Response(status: .noContent)
    }
}
