import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Sender verification (spec §5.4–5.6).
///
/// Routes:
/// - `GET /api/users/{email}/verification`
/// - `POST /api/users/{email}/verification/code/email`
/// - `POST /api/users/{email}/verification/token`
struct VerificationController {
    let verification: VerificationService

    /// The verification state of (client id, token, email).
    struct Status: Encodable, Sendable {
        var verified: Bool
        var validUntil: Date?
        var verificationMethods: [String]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(verified, forKey: .verified)
            try c.encode(validUntil, forKey: .validUntil)
            try c.encode(verificationMethods, forKey: .verificationMethods)
        }

        enum CodingKeys: String, CodingKey { case verified, validUntil, verificationMethods }
    }

    /// A newly granted token.
    struct Token: Encodable, Sendable {
        var token: String
        var validUntil: Date?
    }

    /// The body of the token request.
    struct TokenRequest: Decodable {
        var verificationCode: String?
    }

    func addRoutes(to api: RouterGroup<SealdropRequestContext>) {
        api.get("users/:email/verification") { request, context in
            let email = try PathVariable.email(context)
            let clientId = try context.apiInfo().requireClientId()
            let status = try await verification.status(email: email, clientId: clientId, token: APIParameter.value(request, APIParameter.token))
            return Envelope(data: Status(verified: status.verified, validUntil: status.validUntil, verificationMethods: status.methods))
        }
        api.post("users/:email/verification/code/email") { request, context in
            let email = try PathVariable.email(context)
            let info = try context.apiInfo()
            try await verification.requestCode(email: email, clientId: try info.requireClientId(), clientIP: context.clientIP, language: info.language)
            return APICoding.empty(.ok)
        }
        api.post("users/:email/verification/token") { request, context in
            let email = try PathVariable.email(context)
            let clientId = try context.apiInfo().requireClientId()
            let body = try await APICoding.decode(TokenRequest.self, from: request, context: context, allowEmpty: true)
            let grant = try await verification.redeem(email: email, clientId: clientId, code: body?.verificationCode)
            return Envelope(data: Token(token: grant.token, validUntil: grant.validUntil))
        }
    }
}
