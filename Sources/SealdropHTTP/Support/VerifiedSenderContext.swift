import Hummingbird
import NIOCore
import SealdropServices

/// The context of routes that act for a verified sender (the REST API below `/api/users/{email}`, the web app's
/// upload and status pages): the sender is known by construction, because this context exists only once
/// `VerifiedSenderMiddleware` (REST: `X-CS-*` token) or `WebSenderMiddleware` (web: the browser's identity cookies)
/// authenticated the request.
struct VerifiedSenderContext: ChildRequestContext, SealdropContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    let api: APIRequestInfo?
    let connection: ObjectIdentifier
    /// The sender the request acts for.
    let sender: VerifiedSender

    /// Throws (a 500) only when a route was registered without the middleware that authenticates.
    init(context: SealdropRequestContext) throws {
        guard let sender = context.verifiedSender else { throw SealdropErrorBox.internalMisconfiguration }
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.api = context.api
        self.connection = context.connection
        self.sender = sender
    }

    /// As on the parent: JSON bodies are small; file content is streamed and never collected.
    var maxUploadSize: Int { 1024 * 1024 }
}
