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

/// Where mail goes (relay, sender address, public base URL) decides who receives verification codes and
/// download links: only Administrators change it, after entering their password again; the relay password never
/// follows a changed relay, is sealed at rest, and the other administrators see the change on the status page.
@Suite struct AdminMailRoutingTests {
    static let mailForm = [("mail.security", "smtps"), ("mail.host", "mail.example.org"), ("mail.port", ""), ("mail.username", "sealdrop"),
                           ("mail.password", "Sup3r-Secret-Relay-Pw"), ("mail.from", "files@example.org")]

    /// `form` with `key` set to `value`.
    static func with(_ form: [(String, String)], _ key: String, _ value: String) -> [(String, String)] {
        form.map { $0.0 == key ? (key, value) : $0 }
    }

    /// Marks the signed-in session's password entry as ten minutes old.
    static func makeStale(_ admin: AdminClient) async throws {
        let cookie = try #require(admin.cookies[AdminAuthMiddleware.cookie])
        var session = try #require(try await admin.server.database.adminSession(tokenHash: AdminAccounts.digest(cookie)))
        session.authenticatedAt = Date().addingTimeInterval(-600)
        try await admin.server.database.updateAdminSession(session)
    }

    @Test func aConfigAdminCannotChangeWhereMailGoes() async throws {
        try await AdminClient.runBeside(environment: ["SEALDROP_BASE_URL": ""]) { _, admin in
            let before = admin.server.settings.current
            let token = try await admin.server.accounts.createToken(label: "config job", role: .configAdmin, by: "test").token
            let relay = try await admin.api(.put, "/admin/api/settings/mail", token: token, json: #"{"mail": {"relayURL": "smtp://relay.attacker.example:25"}}"#)
            #expect(relay.status == .forbidden)
            #expect(relay.headers[.contentType] == "application/json")
            let body = try AdminClient.json(relay)
            #expect(body["errorCode"] as? String == "forbidden")
            #expect(body["message"] as? String == "Your role does not allow this (mail server and public base URL).")
            #expect((body["problems"] as? [Any])?.isEmpty == true)
            let from = try await admin.api(.put, "/admin/api/settings/mail", token: token, json: #"{"mail": {"from": "codes@attacker.example"}}"#)
            #expect(from.status == .forbidden)
            let base = try await admin.api(.put, "/admin/api/settings/connection", token: token, json: #"{"publicBaseURL": "https://attacker.example"}"#)
            #expect(base.status == .forbidden)
            #expect(try AdminClient.json(base)["errorCode"] as? String == "forbidden")
            #expect(admin.server.settings.current == before)
            // The rest of the connection section stays theirs.
            let cors = try await admin.api(.put, "/admin/api/settings/connection", token: token, json: #"{"cors": {"mode": "all"}}"#)
            #expect(cors.status == .ok)

            // In the browser: no mail page, no test mail, and the base URL is read-only and ignored when posted.
            var config = admin
            try await config.login("cora", role: .configAdmin)
            #expect(try await config.send(.get, "/admin/settings/mail").status == .forbidden)
            #expect(try await config.post("/admin/settings/mail", Self.with(Self.mailForm, "mail.host", "relay.attacker.example")).status == .forbidden)
            #expect(try await config.post("/admin/mail/test", [("to", "x@attacker.example")]).status == .forbidden)
            let page = try await config.send(.get, "/admin/settings/connection")
            #expect(page.text.contains(#"name="publicBaseURL" value="" maxlength="2000" disabled"#))
            #expect(page.text.contains("Only Administrators may change this."))
            var fields = try AdminClient.submitted("connection", admin.server.settings.current)
            fields = Self.with(fields, "publicBaseURL", "https://attacker.example")
            #expect(try await config.post("/admin/settings/connection", fields).status == .seeOther)
            #expect(admin.server.settings.current.publicBaseURL == "")
            #expect(admin.server.settings.current.mail == before.mail)
        }
    }

    @Test func aChangedRelayNeverKeepsTheStoredPassword() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let secret = "Sup3r-Secret-Relay-Pw"
            for (key, value) in [("mail.host", "relay.attacker.example"), ("mail.port", "2525"), ("mail.security", "smtp+starttls"),
                                 ("mail.username", "someone-else")] {
                #expect(try await admin.post("/admin/settings/mail", Self.mailForm).status == .seeOther)
                #expect(admin.server.settings.current.mail.relayURL.contains(secret))
                // The same relay with an empty password field keeps it…
                #expect(try await admin.post("/admin/settings/mail", Self.with(Self.with(Self.mailForm, "mail.password", ""), "mail.from", "other@example.org")).status == .seeOther)
                #expect(admin.server.settings.current.mail.relayURL.contains(secret), "\(key)")
                // …another one does not.
                let changed = Self.with(Self.with(Self.mailForm, "mail.password", ""), key, value)
                #expect(try await admin.post("/admin/settings/mail", changed).status == .seeOther, "\(key)")
                let relay = admin.server.settings.current.mail.relayURL
                #expect(!relay.contains(secret), "\(key): \(relay)")
                let transport = try #require(try admin.server.mail.transport() as? SMTPMailTransport, "\(key)")
                let password = transport.client.configuration.credentials?.password ?? ""
                #expect(password.isEmpty, "\(key)")
                #expect(!"\(transport.client.configuration)".contains(secret))
            }
            // A new password given with the change is taken.
            let moved = Self.with(Self.with(Self.mailForm, "mail.host", "new-relay.example.org"), "mail.password", "An0ther-Pw")
            #expect(try await admin.post("/admin/settings/mail", moved).status == .seeOther)
            let transport = try #require(try admin.server.mail.transport() as? SMTPMailTransport)
            #expect(transport.client.configuration.credentials?.password == "An0ther-Pw")
            #expect(transport.client.configuration.host == "new-relay.example.org")
        }
    }

    @Test func theRelayPasswordIsSealedInTheDatabase() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("bea", role: .administrator)
            #expect(try await admin.post("/admin/settings/mail", Self.mailForm).status == .seeOther)
            let row = try #require(try await admin.server.database.persistedSettings())
            #expect(!row.contains("Sup3r-Secret"))
            #expect((SettingsJSON.object(row)?["mail"] as? [String: Any])?["relayURL"] as? String == "smtps://sealdrop@mail.example.org")
            // Not in the database files at all (audit values are masked too).
            let path = admin.server.configuration.sqlitePath
            for file in [path, path + "-wal"] {
                guard let bytes = FileManager.default.contents(atPath: file) else { continue }
                #expect(bytes.range(of: Data("Sup3r-Secret".utf8)) == nil, "\(file)")
            }
            // A restart opens it with the server key.
            let again = try SealdropServer.build(configuration: admin.server.configuration, logger: AdminClient.quiet)
            try await again.runtimeSettings.loadPersisted()
            #expect(again.settings.current.mail.relayURL == "smtps://sealdrop:Sup3r-Secret-Relay-Pw@mail.example.org")
        }
    }

    @Test func changingWhereMailGoesAsksForThePasswordAgainAndShowsOnTheStatusPage() async throws {
        try await AdminClient.runBeside(environment: ["SEALDROP_BASE_URL": ""]) { _, admin in
            var admin = admin
            try await admin.login("grace", role: .administrator)
            try await Self.makeStale(admin)
            let before = admin.server.settings.current
            let r = try await admin.post("/admin/settings/mail", Self.mailForm)
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/admin/reauth?next=%2Fadmin%2Fsettings%2Fmail")
            var fields = try AdminClient.submitted("connection", before)
            let base = try await admin.post("/admin/settings/connection", Self.with(fields, "publicBaseURL", "https://files.example.org"))
            #expect(base.headers[.location] == "/admin/reauth?next=%2Fadmin%2Fsettings%2Fconnection")
            // The API in a browser session asks too.
            var headers = HTTPFields()
            headers[HTTPField.Name("X-CSRF-Token")!] = admin.csrf
            let api = try await admin.send(.put, "/admin/api/settings/mail", headers: headers, body: #"{"mail": {"from": "x@example.org"}}"#,
                                           contentType: "application/json")
            #expect(api.status == .forbidden)
            #expect(try AdminClient.json(api)["errorCode"] as? String == "reauthenticationRequired")
            #expect(admin.server.settings.current == before)
            // Other connection settings need no password.
            fields = Self.with(fields, "cors.mode", "all")
            #expect(try await admin.post("/admin/settings/connection", fields).headers[.location] == "/admin/settings/connection?notice=saved")

            _ = try await admin.send(.get, "/admin/reauth?next=/admin/settings/mail")
            let confirmed = try await admin.post("/admin/reauth", [("next", "/admin/settings/mail"), ("password", "a long test password")])
            #expect(confirmed.headers[.location] == "/admin/settings/mail")
            #expect(try await admin.post("/admin/settings/mail", Self.mailForm).headers[.location] == "/admin/settings/mail?notice=saved")
            #expect(admin.server.settings.current.mail.from == "files@example.org")

            // Accounts have no mail address: the other administrators learn it from the status page and the audit log.
            var other = AdminClient(client: admin.client, server: admin.server)
            try await other.login("hugo", role: .logAnalyst)
            let status = try await other.send(.get, "/admin")
            #expect(status.text.contains("Sender address, Mail relay changed by grace at "), "\(status.text.components(separatedBy: "<h1>").dropFirst().first?.prefix(600) ?? "")")
            #expect(!status.text.contains("Sup3r-Secret"))
            let german = try await other.send(.get, "/admin?lang=de")
            #expect(german.text.contains("Absenderadresse, Mail-Relay geändert von grace am "))
            let token = try await admin.server.accounts.createToken(label: "monitor", role: .logAnalyst, by: "test").token
            let changes = try AdminClient.json(try await admin.api(.get, "/admin/api/status", token: token))["mailRoutingChanges"] as? [[String: Any]]
            #expect(changes?.first?["actor"] as? String == "grace")
            #expect(changes?.first?["settings"] as? [String] == ["mail.from", "mail.relayURL"])
            let audit = try await admin.server.database.recentAuditEntries(limit: 20)
            #expect(audit.contains { $0.action == "mail.routing-changed" && $0.actor == "grace" })
            #expect(!audit.contains { ($0.newValue ?? "").contains("Sup3r-Secret") || ($0.oldValue ?? "").contains("Sup3r-Secret") })
        }
    }
}
