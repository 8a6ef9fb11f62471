import HTTPTypes
import Hummingbird
import NIOCore
import SealdropCore
import SealdropServices

/// Authenticates the browser's active sender identity (its cookies, see `SenderIdentities`) for a web route; the
/// route's handler then gets the sender in a `VerifiedSenderContext`. Without a usable identity it throws
/// `WebError.needsIdentity`, which the pages turn into the way to verification (and the upload API into a 401).
///
/// `returnPath` runs first: it refuses a request the page would refuse before asking for an identity (a stale form,
/// a malformed tracking id) and names the page to come back to after verification.
struct WebSenderMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    /// Where the one authentication of the web app lives (`SenderController.sender`).
    let senders: SenderController
    let returnPath: @Sendable (inout Request) async throws -> String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let back = try await returnPath(&request)
        var context = context
        context.verifiedSender = try await senders.sender(request, next: back)
        return try await next(request, context)
    }
}

extension RouterMethods where Context == SealdropRequestContext {
    /// A group whose handlers act for the browser's verified sender (see `WebSenderMiddleware`).
    func verifiedSender(_ senders: SenderController,
                        returnPath: @escaping @Sendable (inout Request) async throws -> String) -> RouterGroup<VerifiedSenderContext> {
        group().add(middleware: WebSenderMiddleware(senders: senders, returnPath: returnPath)).group(context: VerifiedSenderContext.self)
    }
}

extension WebBody {
    /// Reads the whole body like `collect` (same limit, same errors) and keeps it in the request, so the
    /// handler reads it again.
    static func keep(_ request: inout Request, upTo limit: Int) async throws {
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch {
            throw mapped(error)
        }
    }
}
