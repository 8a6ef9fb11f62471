import Hummingbird
import SealdropCore
import SealdropServices

/// Authenticates the sender of a REST request below `/api/users/{email}` (spec §2.3): malformed path variables
/// first (step 7), then the client id and the verification token (step 8), failing as the service does
/// (401/3001 and friends, mapped by `APIErrorMiddleware`). Its routes take a `VerifiedSenderContext`.
struct VerifiedSenderMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    let verification: VerificationService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.verifiedSender = try await sender(request, context)
        return try await next(request, context)
    }

    /// The verified sender of a request under `/api/users/{email}`.
    func sender(_ request: Request, _ context: Context) async throws -> VerifiedSender {
        let email = try PathVariable.email(context)
        // Malformed path variables are reported before verification (spec §2.3, step 7 before 8).
        if context.parameters.get("trackingId") != nil { _ = try PathVariable.trackingId(context) }
        if context.parameters.get("fileId") != nil { _ = try PathVariable.fileId(context) }
        if context.parameters.get("transferId") != nil { _ = try PathVariable.transferId(context) }
        let clientId = try context.apiInfo().requireClientId()
        return try await verification.authenticate(email: email, clientId: clientId, token: APIParameter.value(request, APIParameter.token))
    }
}
