import Hummingbird
import NIOCore
import SealdropServices

/// What every Sealdrop request context offers, the listeners' own and the child contexts that carry an identity.
protocol SealdropContext: RequestContext {
    /// The peer address of the connection.
    var remoteAddress: SocketAddress? { get }
    /// The parsed REST conventions; nil outside `/api` routes that need them.
    var api: APIRequestInfo? { get }
    /// The connection the request came on, for finding its `SendProgress` in the listeners' registry.
    var connection: ObjectIdentifier { get }
}

extension SealdropContext {
    /// The client's IP address as text, for the transfer log.
    var clientIP: String? { remoteAddress?.ipAddress }

    /// The parsed API conventions; only absent on routes registered outside the API group.
    func apiInfo() throws -> APIRequestInfo {
        guard let api else { throw SealdropErrorBox.internalMisconfiguration }
        return api
    }
}

/// The request context of every Sealdrop surface: the core storage, the peer address and, on `/api`,
/// the parsed REST conventions.
///
/// Who is calling is not a field handlers read: routes that need a verified sender or a signed-in administrator
/// are registered in a group whose handlers get a `VerifiedSenderContext` or an `AdminContext`, which exist only
/// once the surface's middleware recognised the caller. The two optional members below are that middleware's
/// hand-over to the child context (Hummingbird's `ChildRequestContext` is made synchronously from its parent).
public struct SealdropRequestContext: RequestContext, RemoteAddressRequestContext, SealdropContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `APIConventionsMiddleware` for `/api` routes that need the standard headers.
    public var api: APIRequestInfo?
    /// Set by `AdminAuthMiddleware` on the admin listeners once a session or API token is recognised; read by
    /// `AdminContext` and by the pages that look different for a signed-in visitor (login, error page menu).
    var admin: AdminPrincipal?
    /// Set by `VerifiedSenderMiddleware` or `WebSenderMiddleware`; read only by `VerifiedSenderContext`.
    var verifiedSender: VerifiedSender?
    /// The connection the request came on, for finding its `SendProgress` in the listeners' registry.
    let connection: ObjectIdentifier

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.api = nil
        self.admin = nil
        self.verifiedSender = nil
        self.connection = ObjectIdentifier(source.channel)
    }

    /// JSON bodies are small; file content is streamed and never collected.
    public var maxUploadSize: Int { 1024 * 1024 }
}

/// Errors that indicate a programming mistake in route registration.
enum SealdropErrorBox: Error {
    case internalMisconfiguration
}
