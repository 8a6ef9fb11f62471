import Hummingbird
import SealdropCore
import SealdropServices

/// Password utilities (spec §5.1–5.3).
///
/// Routes: `GET /api/password`, `POST /api/password`, `GET /api/password/requirements`.
struct PasswordController {
    let settings: SettingsStore

    /// The validation result of `POST /api/password`.
    struct Validation: Encodable, Sendable {
        var valid: Bool
        var rulesNotFulfilled: [PasswordRequirement]
    }

    /// The body of `POST /api/password`.
    struct Candidate: Decodable {
        var password: String
    }

    func addRoutes(to api: RouterGroup<SealdropRequestContext>) {
        api.get("password") { _, context in
            _ = try context.apiInfo().requireClientId()
            return Envelope(data: ["password": try PasswordGenerator().generate(policy: settings.current.password)])
        }
        api.post("password") { request, context in
            _ = try context.apiInfo().requireClientId()
            guard let candidate = try await APICoding.decode(Candidate.self, from: request, context: context) else { throw SealdropError.missing("password") }
            let failed = settings.current.password.validate(candidate.password)
            return Envelope(data: Validation(valid: failed.isEmpty, rulesNotFulfilled: failed))
        }
        api.get("password/requirements") { _, context in
            _ = try context.apiInfo().requireClientId()
            return Envelope(data: settings.current.password.requirements)
        }
    }
}
