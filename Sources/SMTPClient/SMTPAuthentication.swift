/// SASL mechanisms the client speaks (RFC 4954, RFC 4616) and their encodings.
enum SMTPAuthentication: String, Sendable, Hashable {
    /// `AUTH PLAIN` with the initial response `base64(authzid NUL authcid NUL passwd)`.
    case plain = "PLAIN"
    /// `AUTH LOGIN`: username and password each answer one 334 challenge.
    case login = "LOGIN"

    /// Picks PLAIN when announced, else LOGIN, else `nil`.
    static func preferredMechanism(in capabilities: SMTPCapabilities) -> SMTPAuthentication? {
        let offered = capabilities.authMechanisms
        if offered.contains("PLAIN") { return .plain }
        if offered.contains("LOGIN") { return .login }
        return nil
    }

    /// The RFC 4616 initial response with an empty authorisation identity.
    static func plainInitialResponse(username: String, password: String) -> String {
        Base64.encode([0] + Array(username.utf8) + [0] + Array(password.utf8))
    }

    /// A LOGIN answer: the text, base64-encoded.
    static func loginResponse(_ text: String) -> String {
        Base64.encode(Array(text.utf8))
    }
}
