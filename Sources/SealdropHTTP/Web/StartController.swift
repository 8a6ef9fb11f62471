import Foundation
import Hummingbird
import SealdropCore

/// The start page of the user listeners: send files, or receive them with a link or transfer id.
///
/// Routes (user listeners):
/// - `GET|HEAD /` — the two choices: "Send files" (→ `/upload`) and a form to paste a transfer link or id
/// - `GET /receive?link=…` — a pasted link (`…/download?id=X[&password=…]`) or a bare id: redirects to
///   `/download?id=X` (keeping a password the link carries); anything else shows the start page again with a
///   sentence saying what to paste (400)
///
/// `RetrieveController` adds these routes (receiving is where the form leads), so the composition root is unchanged.
struct StartController {
    let pages: WebPages

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.get("/", use: startPage)
        router.head("/", use: startPage)
        router.get("receive", use: receive)
    }

    @Sendable func startPage(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        pages.render("start", request: request)
    }

    @Sendable func receive(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let pasted = Self.formField("link", in: request.uri.query ?? "")
        guard let target = Self.downloadTarget(pasted) else {
            let t = pages.strings[WebPages.language(of: request)] ?? [:]
            return pages.render("start", status: .badRequest, request: request,
                                model: ReceiveProblem(receiveError: t["errorReceiveLink"] ?? "", link: pasted))
        }
        var location = "/download?id=" + target.id.rawValue
        if let password = target.password { location += "&password=" + WebPages.queryEscape(password) }
        return SenderController.redirect(location)
    }

    /// What the start page shows again after a link it could not read.
    struct ReceiveProblem { let receiveError: String, link: String }

    /// A field of a GET form's query, form-decoded: the browser sends a space as `+` (the router keeps `+` as is,
    /// right for API clients but not for forms), so a link pasted with a trailing space still works.
    static func formField(_ name: String, in query: String) -> String {
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv[0] == name[...] else { continue }
            return kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
        }
        return ""
    }

    /// The transfer id (and the password of a no-password-mode link) in what a recipient pasted: a whole
    /// download link (any host, as the mail shows it) or a bare transfer id. Nil for anything else.
    static func downloadTarget(_ pasted: String) -> (id: TransferID, password: String?)? {
        let text = pasted.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 4096 else { return nil }
        if let id = TransferID(rawValue: text) { return (id, nil) }
        guard let components = URLComponents(string: text), components.path.hasSuffix("/download"),
              let items = components.queryItems,
              let id = items.first(where: { $0.name == "id" })?.value.flatMap(TransferID.init(rawValue:)) else { return nil }
        let password = items.first(where: { $0.name == "password" })?.value.flatMap { $0.isEmpty ? nil : $0 }
        return (id, password)
    }
}
