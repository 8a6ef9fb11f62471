import Hummingbird
import NIOCore

/// The request context of every Sealdrop surface: the core storage, the peer address and, on `/api`,
/// the parsed REST conventions.
public struct SealdropRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `APIConventionsMiddleware` for `/api` routes that need the standard headers.
    public var api: APIRequestInfo?
    /// Set by `AdminAuthMiddleware` on the admin listeners once a session or API token is recognised.
    var admin: AdminPrincipal?
    /// The connection the request came on, for finding its `SendProgress` in the listeners' registry.
    let connection: ObjectIdentifier

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.api = nil
        self.admin = nil
        self.connection = ObjectIdentifier(source.channel)
    }

    /// JSON bodies are small; file content is streamed and never collected.
    public var maxUploadSize: Int { 1024 * 1024 }

    /// The client's IP address as text, for the transfer log.
    public var clientIP: String? { remoteAddress?.ipAddress }

    /// The parsed API conventions; only absent on routes registered outside the API group.
    func apiInfo() throws -> APIRequestInfo {
        guard let api else { throw SealdropErrorBox.internalMisconfiguration }
        return api
    }
}

/// Errors that indicate a programming mistake in route registration.
enum SealdropErrorBox: Error {
    case internalMisconfiguration
}
