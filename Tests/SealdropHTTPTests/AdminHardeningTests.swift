import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// The admin sign-in and the listeners against a hostile client: no way off the site through `next`, no hint
/// which names exist, HSTS on HTTPS only, and a loud warning while mail is only captured.
@Suite struct AdminHardeningTests {
    /// `next` values that must not lead a browser to another site (or anywhere strange).
    static let hostileNext: [String] = [
        "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\r/evil.example", "/\\evil.example", "/\\/evil.example",
        "\\\\evil.example", "//evil.example", "///evil.example", "https://evil.example", "evil.example", "", " /admin", "/ /evil.example",
        "/\u{0B}/evil.example", "/\u{0C}/evil.example", "/\u{7F}/evil.example", "/\u{85}/evil.example", "/\u{A0}/evil.example",
        "/\u{2028}/evil.example", "/\u{3000}/evil.example", "/\u{FEFF}/evil.example", "/\u{0}/evil.example", "/é", "/" + String(repeating: "a", count: 600),
    ]

    @Test func safeNextAcceptsOnlyLocalPrintablePaths() {
        for value in Self.hostileNext {
            #expect(AdminSurface.safeNext(value) == "/admin", "\(value.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(AdminSurface.safeNext(nil) == "/admin")
        // Percent escapes stay escaped (no browser decodes them into the authority), so these stay on this host.
        for value in ["/admin/log", "/admin/log?sender=a%40b.example&state=ACTIVE", "/%09/evil.example", "/%2F%2Fevil.example", "/%5Cevil.example"] {
            #expect(AdminSurface.safeNext(value) == value)
        }
    }

    @Test func signInAndReauthenticationIgnoreHostileNextValues() async throws {
        try await AdminClient.run { admin in
            try await admin.server.accounts.create(name: "ines", role: .administrator, password: "a long test password", by: "test")
            for next in ["/\t/evil.example", "/\\evil.example", "//evil.example"] {
                var admin = AdminClient(client: admin.client, server: admin.server)
                _ = try await admin.send(.get, "/login")
                let r = try await admin.send(.post, "/login", body: AdminClient.form([("csrf", admin.csrf), ("next", next), ("name", "ines"),
                                                                                    ("password", "a long test password")]))
                #expect(r.headers[.location] == "/admin", "\(next)")
                _ = try await admin.send(.get, "/admin")
                let again = try await admin.post("/admin/reauth", [("next", next), ("password", "a long test password")])
                #expect(again.headers[.location] == "/admin", "\(next)")
            }
        }
    }

    /// The text of the login page's error.
    static func loginError(_ response: TestResponse) -> String? {
        response.text.components(separatedBy: #"id="login-error">"#).dropFirst().first?.components(separatedBy: "<").first
    }

    @Test func aLockedAccountAnswersLikeAnUnknownName() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.server.accounts.create(name: "jonas", role: .administrator, password: "jonas's right password", by: "test")
            let unknown = try await admin.loginOnly("no-such-admin", password: "jonas's right password")
            for attempt in 1...5 { try await admin.loginOnly("jonas", password: "wrong password \(attempt)") }
            #expect(try await admin.server.database.adminAccount(named: "jonas")?.lockedUntil != nil)
            for password in ["jonas's right password", "wrong again"] {
                let locked = try await admin.loginOnly("jonas", password: password)
                #expect(locked.status == unknown.status)
                #expect(Self.loginError(locked) == Self.loginError(unknown))
                #expect(!locked.text.contains("locked until"))
            }
            #expect(unknown.status == .unauthorized)
            #expect(Self.loginError(unknown)?.hasPrefix("Wrong name or password") == true)
        }
    }

    @Test func onlyHTTPSListenersSendStrictTransportSecurity() async throws {
        let test = try TestServer.make()
        defer { try? FileManager.default.removeItem(atPath: test.directory) }
        let name = HTTPField.Name("Strict-Transport-Security")!
        let https = Application(responder: StrictTransportSecurityResponder(base: test.server.userRouter().buildResponder()), logger: AdminClient.quiet)
        try await https.test(.router) { client in
            for path in ["/api/status", "/no-such-page", "/download?id=nope"] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.headers[name] == "max-age=31536000", "\(path) \(r.status)")
            }
        }
        let plain = Application(router: test.server.userRouter(), logger: AdminClient.quiet)
        try await plain.test(.router) { client in
            let r = try await client.execute(uri: "/api/status", method: .get)
            #expect(r.status == .ok && r.headers[name] == nil)
        }
        let redirect = Application(responder: HTTPSRedirectResponder(base: test.server.userRouter().buildResponder(), settings: test.server.settings, httpsPort: 8443,
                                                                     enabled: { _ in true }), logger: AdminClient.quiet)
        try await redirect.test(.router) { client in
            let r = try await client.execute(uri: "/api/status", method: .get)
            #expect(r.status == .permanentRedirect && r.headers[name] == nil)
        }
        let admin = Application(responder: StrictTransportSecurityResponder(base: test.server.adminRouter().buildResponder()), logger: AdminClient.quiet)
        try await admin.test(.live) { client in
            for path in ["/login", "/admin", "/admin/api/status", "/nothing"] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.headers[name] == "max-age=31536000", "\(path)")
            }
        }
        let plainAdmin = Application(router: test.server.adminRouter(), logger: AdminClient.quiet)
        try await plainAdmin.test(.live) { client in
            let r = try await client.execute(uri: "/login", method: .get)
            #expect(r.status == .ok && r.headers[name] == nil)
        }
    }

    @Test func theDefaultCaptureTransportIsFlaggedOutsideDevelopment() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sealdrop-capture-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let production = try ServerConfiguration.load(environment: ["SEALDROP_DATA_DIR": data], configFile: nil, dev: false)
        #expect(production.mailCapturedByDefault)
        #expect(production.mailCaptureWarning == "mail is captured to \(production.dataDirectory)/mail, not sent: set SEALDROP_SMTP_URL")
        #expect(try !ServerConfiguration.load(environment: ["SEALDROP_DATA_DIR": data], configFile: nil, dev: true).mailCapturedByDefault)
        for relay in ["capture:", "smtp://relay.example.org"] {
            #expect(try !ServerConfiguration.load(environment: ["SEALDROP_DATA_DIR": data, "SEALDROP_SMTP_URL": relay], configFile: nil, dev: false).mailCapturedByDefault)
        }
        let file = data + ".json"
        try Data(#"{"smtpURL": "smtps://relay.example.org"}"#.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try !ServerConfiguration.load(environment: ["SEALDROP_DATA_DIR": data], configFile: file, dev: false).mailCapturedByDefault)
    }

    @Test func capturedMailIsAnnouncedAtStartAndOnTheStatusPageUntilARelayIsChosen() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            let server = admin.server
            let warning = try #require(server.mailCaptureWarning)
            let pipe = Pipe()
            server.warnIfMailIsCaptured(standardError: pipe.fileHandleForWriting)
            try pipe.fileHandleForWriting.close()
            let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(printed == "sealdrop: WARNING: \(warning)\n")
            #expect(warning.hasPrefix("mail is captured to \(server.configuration.dataDirectory)/mail, not sent"))

            try await admin.login("karl", role: .logAnalyst)
            let status = try await admin.send(.get, "/admin")
            #expect(status.text.contains(#"id="mail-capture-warning">Mail is captured to \#(server.configuration.dataDirectory)/mail, not sent: set SEALDROP_SMTP_URL"#))
            #expect(try await admin.send(.get, "/admin?lang=de").text.contains("Mails werden in \(server.configuration.dataDirectory)/mail abgelegt, nicht versendet"))
            // Once an Administrator chooses a relay, mail is sent: no warning.
            try await server.runtimeSettings.apply(actor: "test") { (s: inout SealdropSettings) throws(AdminError) in s.mail.relayURL = "smtp://relay.example.org" }
            #expect(server.mailCaptureWarning == nil)
            #expect(!(try await admin.send(.get, "/admin").text.contains("mail-capture-warning")))
        }
    }
}
