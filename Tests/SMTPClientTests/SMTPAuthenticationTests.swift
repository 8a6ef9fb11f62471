import Testing

@testable import SMTPClient

/// SASL encodings and mechanism choice.
@Suite struct SMTPAuthenticationTests {
    @Test func plainInitialResponseMatchesRFC4616() {
        // RFC 4616 §4 style: authzid empty, authcid "tim", passwd "tanstaaftanstaaf".
        #expect(SMTPAuthentication.plainInitialResponse(username: "tim", password: "tanstaaftanstaaf") == "AHRpbQB0YW5zdGFhZnRhbnN0YWFm")
        #expect(SMTPAuthentication.plainInitialResponse(username: "user", password: "pass") == "AHVzZXIAcGFzcw==")
    }

    @Test func loginResponsesAreBase64() {
        #expect(SMTPAuthentication.loginResponse("username") == "dXNlcm5hbWU=")
        #expect(SMTPAuthentication.loginResponse("") == "")
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func base64MatchesRFC4648Vectors(input: String, expected: String) {
        #expect(Base64.encode(Array(input.utf8)) == expected)
    }

    @Test func plainIsPreferredThenLogin() {
        let both = SMTPCapabilities(extensions: ["AUTH": ["LOGIN", "PLAIN"]])
        #expect(SMTPAuthentication.preferredMechanism(in: both) == .plain)
        let loginOnly = SMTPCapabilities(extensions: ["AUTH": ["login", "CRAM-MD5"]])
        #expect(SMTPAuthentication.preferredMechanism(in: loginOnly) == .login)
        #expect(SMTPAuthentication.preferredMechanism(in: SMTPCapabilities(extensions: ["AUTH": ["XOAUTH2"]])) == nil)
        #expect(SMTPAuthentication.preferredMechanism(in: .none) == nil)
    }

    @Test func authCommandsAreRedactedInDescriptions() {
        let command = SMTPCommand.auth(mechanism: "PLAIN", initialResponse: "AHVzZXIAcGFzcw==")
        #expect(command.line == "AUTH PLAIN AHVzZXIAcGFzcw==")
        #expect(!command.description.contains("AHVzZXIAcGFzcw=="))
        #expect(SMTPCommand.authResponse("cGFzcw==").description == "<redacted>")
        let credentials = SMTPConfiguration.Credentials(username: "user", password: "hunter2")
        #expect(!"\(credentials)".contains("hunter2"))
        #expect(!String(reflecting: credentials).contains("hunter2"))
    }
}
