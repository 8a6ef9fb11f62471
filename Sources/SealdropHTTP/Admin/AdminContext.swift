import Hummingbird
import NIOCore
import SealdropCore
import SealdropServices

/// The context of admin routes that need someone signed in: the principal (browser session or API token) is known
/// by construction, because the context is made only from a request `AdminAuthMiddleware` recognised. Without one
/// it is never made and the request fails with `AdminError.notSignedIn` (a login redirect for pages, a JSON 401
/// for the API, as `AdminErrorMiddleware` maps it). What the principal may do is still checked per route.
struct AdminContext: ChildRequestContext, SealdropContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    let api: APIRequestInfo?
    let connection: ObjectIdentifier
    /// Who is signed in.
    let principal: AdminPrincipal

    init(context: SealdropRequestContext) throws {
        guard let principal = context.admin else { throw AdminError.notSignedIn }
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.api = context.api
        self.connection = context.connection
        self.principal = principal
    }

    /// As on the parent: JSON bodies are small.
    var maxUploadSize: Int { 1024 * 1024 }

    /// The principal, if its role allows `permission` (`AdminError.forbidden` otherwise).
    func principal(_ permission: AdminPermission) throws -> AdminPrincipal {
        try principal.require(permission)
        return principal
    }
}

extension RouterMethods where Context == SealdropRequestContext {
    /// A group of admin routes for a signed-in principal (see `AdminContext`).
    ///
    /// `first` runs before the principal is required, for what a route checked before it always did: a settings
    /// page that does not exist is a 404, and a form post's body is read (and refused when too large) first.
    func signedIn(first: AdminPrecondition? = nil) -> RouterGroup<AdminContext> {
        let routes = group()
        if let first { routes.add(middleware: first) }
        return routes.group(context: AdminContext.self)
    }
}

/// What an admin route checks before it requires a signed-in principal (see `signedIn(first:)`).
struct AdminPrecondition: RouterMiddleware {
    typealias Context = SealdropRequestContext
    /// The route names a settings section that must exist.
    var section = false
    /// The route reads a URL-encoded form: its body is read first (and kept for the handler).
    var form = false

    static let settingsSection = AdminPrecondition(section: true)
    static let formPost = AdminPrecondition(form: true)
    static let settingsForm = AdminPrecondition(section: true, form: true)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if section { _ = try AdminSettingsController.section(context) }
        var request = request
        if form { try await WebBody.keep(&request, upTo: AdminSurface.formLimit) }
        return try await next(request, context)
    }
}
