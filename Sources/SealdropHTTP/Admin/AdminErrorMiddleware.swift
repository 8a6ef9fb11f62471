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
            let mapped = Self.map(error)
            if mapped.status == .internalServerError {
                context.logger.error("admin.error", metadata: ["error.type": "\(type(of: error))", "error": "\(error)"])
            }
            if isAPI { return Self.json(mapped) }
            let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            switch error {
            case AdminError.notSignedIn:
                return Self.redirect("/login?next=" + WebPages.queryEscape(request.method == .get ? next : "/admin"),
                                     clearing: request.cookies[AdminAuthMiddleware.cookie] != nil)
            case AdminError.reauthenticationRequired:
                return Self.redirect("/admin/reauth?next=" + WebPages.queryEscape(request.method == .get ? next : "/admin"), clearing: false)
            default:
                let strings = surface.pages.strings[WebPages.language(of: request)] ?? [:]
                return surface.render("error", request, context.admin, status: mapped.status, [
                    "message": Self.localized(error, strings: strings, fallback: mapped.message),
                    "problems": mapped.problems.map { ["field": strings["field.\($0.field)"] ?? $0.field, "message": $0.message] },
                ])
            }
        }
    }

    /// Status, API error code, message and field problems for an error.
    static func map(_ error: any Error) -> (status: HTTPResponse.Status, code: String, message: String, problems: [FieldProblem]) {
        switch error {
        case let e as AdminError:
            switch e {
            case .invalidCredentials: return (.unauthorized, "invalidCredentials", "Wrong name or password.", [])
            case .accountLocked(let until):
                return (.forbidden, "accountLocked", "Too many wrong passwords: this account is locked until \(ISO8601DateFormatter().string(from: until)).", [])
            case .accountDisabled: return (.forbidden, "accountDisabled", "This account is disabled.", [])
            case .notSignedIn: return (.unauthorized, "notSignedIn", "Sign in first, or send a valid API token.", [])
            case .forbidden(let permission):
                return (.forbidden, "forbidden", "Your role does not allow this (\(permission.rawValue)).", [])
            case .reauthenticationRequired:
                return (.forbidden, "reauthenticationRequired", "Enter your password again for this action.", [])
            case .staleForm: return (.forbidden, "csrf", "This form has expired or came from another site. Reload the page and try again.", [])
            case .invalid(let problems): return (.badRequest, "invalid", "Some values are not valid.", problems)
            case .pinned(let key): return (.conflict, "pinned", "\(key) is set in the configuration file and cannot be changed here.", [FieldProblem(key, "Set in the configuration file.")])
            case .notFound(let what): return (.notFound, "notFound", "\(what) does not exist.", [])
            case .conflict(let what): return (.conflict, "conflict", what, [])
            case .addressNotAllowed: return (.forbidden, "addressNotAllowed", "The admin interface is not available from this network.", [])
            case .tooManyAttempts: return (.tooManyRequests, "tooManyAttempts", "Too many sign-in attempts from this address; wait a minute.", [])
            }
        case let e as SealdropError:
            return (HTTPResponse.Status(code: e.status), "\(e.code.rawValue)", e.message, [])
        case let e as HTTPError:
            switch e.status {
            case .notFound: return (.notFound, "notFound", "There is no such page.", [])
            case .contentTooLarge: return (.contentTooLarge, "tooLarge", "The request is too large.", [])
            default: return (e.status, "httpError", e.status.reasonPhrase, [])
            }
        case is NIOTooManyBytesError:
            return (.contentTooLarge, "tooLarge", "The request is too large.", [])
        case is DecodingError:
            return (.badRequest, "malformed", "The request body is not valid JSON for this call.", [])
        default:
            return (.internalServerError, "internal", "Something went wrong on the server; the problem was logged.", [])
        }
    }

    /// The page text for `error` in the page's language; `{detail}` in a string takes the error's detail.
    static func localized(_ error: any Error, strings: [String: String], fallback: String) -> String {
        let key: String
        var detail = ""
        switch error {
        case let e as AdminError:
            switch e {
            case .invalidCredentials: key = "error.invalidCredentials"
            case .accountLocked(let until):
                key = "error.accountLocked"
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
                detail = formatter.string(from: until) + " UTC"
            case .accountDisabled: key = "error.accountDisabled"
            case .forbidden(let permission): key = "error.forbidden"; detail = strings["permission.\(permission.rawValue)"] ?? permission.rawValue
            case .staleForm: key = "error.csrf"
            case .invalid: key = "error.invalid"
            case .pinned(let k): key = "error.pinned"; detail = strings["field.\(k)"] ?? k
            case .addressNotAllowed: key = "error.addressNotAllowed"
            case .tooManyAttempts: key = "error.tooManyAttempts"
            case .notFound: key = "error.notFound"
            default: return fallback
            }
        case let e as HTTPError where e.status == .notFound: key = "error.notFound"
        case is NIOTooManyBytesError: key = "error.tooLarge"
        default: return fallback
        }
        guard let text = strings[key] else { return fallback }
        return text.replacingOccurrences(of: "{detail}", with: detail)
    }

    static func json(_ mapped: (status: HTTPResponse.Status, code: String, message: String, problems: [FieldProblem])) -> Response {
        struct Body: Encodable {
            let errorCode: String
            let message: String
            let problems: [FieldProblem]
        }
        let data = (try? JSONEncoder().encode(Body(errorCode: mapped.code, message: mapped.message, problems: mapped.problems))) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: mapped.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func redirect(_ location: String, clearing: Bool) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        if clearing { headers[.setCookie] = WebCookies.delete(AdminAuthMiddleware.cookie) }
        return Response(status: .seeOther, headers: headers)
    }
}
