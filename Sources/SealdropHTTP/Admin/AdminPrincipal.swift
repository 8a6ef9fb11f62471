import Foundation
import HTTPTypes
import Hummingbird
import SealdropCore
import SealdropServices

/// Who is acting on the admin listeners: a signed-in administrator (browser session) or an API token.
struct AdminPrincipal: Sendable {
    /// The account name, or `token:<label>`; used as the audit actor.
    let actor: String
    let role: AdminRole
    /// The browser session; nil for API tokens.
    let session: AdminSession?
    /// The raw session cookie (to sign out); nil for API tokens.
    let cookie: String?

    var isToken: Bool { session == nil }

    /// Throws unless the role allows `permission`.
    func require(_ permission: AdminPermission) throws {
        guard role.allows(permission) else { throw AdminError.forbidden(permission) }
    }
}

/// Refuses clients outside the configured admin networks, then recognises the session cookie
/// (`cs-ai-session`) or an `Authorization: Bearer sdt_…` token. Unsafe methods with a session must
/// carry its CSRF token (form field `csrf` is checked by the routes; API calls send `X-CSRF-Token`).
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    static let cookie = "cs-ai-session"
    let accounts: AdminAccounts
    let settings: SettingsStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let networks = settings.current.adminAllowedNetworks.compactMap(IPNetwork.init)
        guard let ip = context.clientIP, networks.contains(where: { $0.contains(ip) }) else { throw AdminError.addressNotAllowed }
        var context = context
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", let token = try await accounts.token(bearer: String(parts[1])) else {
                throw AdminError.notSignedIn
            }
            context.admin = AdminPrincipal(actor: "token:\(token.label)", role: token.role, session: nil, cookie: nil)
        } else if let cookie = request.cookies[Self.cookie]?.value, let found = try await accounts.session(cookie: cookie) {
            context.admin = AdminPrincipal(actor: found.account.name, role: found.account.role, session: found.session, cookie: cookie)
            if request.method != .get, request.method != .head, request.uri.path.hasPrefix("/admin/api/") {
                guard let header = request.headers[HTTPField.Name("X-CSRF-Token")!], ConstantTime.equal(header, found.session.csrfToken) else {
                    throw AdminError.staleForm
                }
            }
        }
        return try await next(request, context)
    }
}
