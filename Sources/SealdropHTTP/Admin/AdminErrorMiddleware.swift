import Foundation
import Hummingbird
import Logging
import NIOCore
import SealdropCore
import SealdropServices

/// Maps every error on the admin listeners in one place: JSON under `/admin/api/`, a page (or a
/// redirect to the login or re-authentication page) everywhere else. Never the error's own text for
/// unknown errors; those are logged and shown as a generic failure.
struct AdminErrorMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    let surface: AdminSurface

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let isAPI = request.uri.path.hasPrefix("/admin/api/") || request.uri.path == "/admin/api"
            let described = AdminErrorDescription(error)
            if described.status == .internalServerError {
                context.logger.error("admin.error", metadata: ["error.type": "\(type(of: error))", "error": "\(error)"])
            }
            if isAPI { return Self.json(described, strings: surface.strings(language: "en")) }
            let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            switch error {
            case AdminError.notSignedIn:
                return Self.redirect("/login?next=" + WebPages.queryEscape(request.method == .get ? next : "/admin"),
                                     clearing: request.cookies[AdminAuthMiddleware.cookie] != nil)
            case AdminError.reauthenticationRequired:
                // A settings form comes back to its page; other posts to the start page.
                let back = request.method == .get ? next : request.uri.path.hasPrefix("/admin/settings/") ? request.uri.path : "/admin"
                return Self.redirect("/admin/reauth?next=" + WebPages.queryEscape(back), clearing: false)
            default:
                let strings = surface.strings(language: WebPages.language(of: request))
                return surface.render("error", request, context.admin, status: described.status, ErrorPage(
                    message: described.message(strings),
                    problems: described.problems.map { FieldProblem(strings["field.\($0.field)"] ?? $0.field, $0.message) }))
            }
        }
    }

    /// `{"errorCode", "message", "problems"}` with the error's status; messages in English.
    static func json(_ described: AdminErrorDescription, strings: [String: String]) -> Response {
        struct Body: Encodable {
            let errorCode: String
            let message: String
            let problems: [FieldProblem]
        }
        let body = Body(errorCode: described.code, message: described.message(strings), problems: described.problems)
        return JSONResponse(body: body, status: described.status).response
    }

    /// `error`: the message in the page's language and the field problems.
    struct ErrorPage {
        let message: String
        let problems: [FieldProblem]
    }

    static func redirect(_ location: String, clearing: Bool) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        if clearing { headers[.setCookie] = WebCookies.delete(AdminAuthMiddleware.cookie) }
        return Response(status: .seeOther, headers: headers)
    }
}

/// What the admin surfaces say about an error: status, API error code, the strings-file key of its text
/// (with `{detail}` filled in) and field problems. One table for pages and JSON alike.
struct AdminErrorDescription {
    let status: HTTPResponse.Status
    let code: String
    let key: String
    var detail = ""
    var problems: [FieldProblem] = []
    /// Used when the strings lack `key` (the error's own safe message for `SealdropError`).
    var fallback = ""

    init(status: HTTPResponse.Status, code: String, key: String, detail: String = "", problems: [FieldProblem] = [], fallback: String = "") {
        self.status = status
        self.code = code
        self.key = key
        self.detail = detail
        self.problems = problems
        self.fallback = fallback
    }

    init(_ error: any Error) {
        switch error {
        case let e as AdminError:
            switch e {
            case .invalidCredentials: self.init(status: .unauthorized, code: "invalidCredentials", key: "error.invalidCredentials")
            case .accountLocked(let until):
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
                self.init(status: .forbidden, code: "accountLocked", key: "error.accountLocked", detail: formatter.string(from: until) + " UTC")
            case .accountDisabled: self.init(status: .forbidden, code: "accountDisabled", key: "error.accountDisabled")
            case .notSignedIn: self.init(status: .unauthorized, code: "notSignedIn", key: "error.notSignedIn")
            case .forbidden(let permission): self.init(status: .forbidden, code: "forbidden", key: "error.forbidden", detail: "permission.\(permission.rawValue)")
            case .reauthenticationRequired: self.init(status: .forbidden, code: "reauthenticationRequired", key: "error.reauthenticationRequired")
            case .staleForm: self.init(status: .forbidden, code: "csrf", key: "error.csrf")
            case .invalid(let problems): self.init(status: .badRequest, code: "invalid", key: "error.invalid", problems: problems)
            case .pinned(let setting):
                self.init(status: .conflict, code: "pinned", key: "error.pinned", detail: "field.\(setting)",
                          problems: [FieldProblem(setting, "Set by the configuration file or environment.")])
            case .notFound(let what): self.init(status: .notFound, code: "notFound", key: "", fallback: "\(what) does not exist.")
            case .conflict(let what): self.init(status: .conflict, code: "conflict", key: "", fallback: what)
            case .addressNotAllowed: self.init(status: .forbidden, code: "addressNotAllowed", key: "error.addressNotAllowed")
            case .tooManyAttempts: self.init(status: .tooManyRequests, code: "tooManyAttempts", key: "error.tooManyAttempts")
            }
        case let e as SealdropError:
            self.init(status: HTTPResponse.Status(code: e.status), code: "\(e.code.rawValue)", key: "", fallback: e.message)
        case let e as HTTPError where e.status == .notFound:
            self.init(status: .notFound, code: "notFound", key: "error.notFound")
        case let e as HTTPError where e.status == .contentTooLarge:
            self.init(status: .contentTooLarge, code: "tooLarge", key: "error.tooLarge")
        case let e as HTTPError:
            self.init(status: e.status, code: "httpError", key: "", fallback: e.status.reasonPhrase)
        case is NIOTooManyBytesError, WebError.bodyTooLarge:
            self.init(status: .contentTooLarge, code: "tooLarge", key: "error.tooLarge")
        case WebError.malformedBody:
            self.init(status: .badRequest, code: "malformed", key: "error.malformed")
        case is DecodingError:
            self.init(status: .badRequest, code: "malformed", key: "error.malformed")
        default:
            self.init(status: .internalServerError, code: "internal", key: "error.internal")
        }
    }

    /// The text in the language of `strings`; a `detail` that names a strings key (`permission.…`,
    /// `field.…`) is looked up too, an unlabelled setting shows its key.
    func message(_ strings: [String: String]) -> String {
        guard let text = strings[key] else { return fallback }
        let shown = strings[detail] ?? (detail.hasPrefix("field.") ? String(detail.dropFirst("field.".count)) : detail)
        return text.replacingOccurrences(of: "{detail}", with: shown)
    }
}
