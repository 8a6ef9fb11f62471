import Foundation
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// The directory in the admin interface, without a directory server: the bind password never leaves the
/// server (stored JSON, GET answers, pages), a directory that cannot be reached fails the policy closed and
/// shows on the status page and API, and the check answers each step.
@Suite struct DirectoryAdminTests {
    static let secret = "Dir3ctory-Bind-Secret"

    /// The directory form, pointing at a closed port so every request fails fast.
    static let form: [(String, String)] = [
        ("directory.enabled", "on"), ("directory.type", "openLDAP"), ("directory.urls", "ldap://127.0.0.1:1"),
        ("directory.bindDN", "cn=svc,dc=example,dc=org"), ("directory.bindPassword", secret), ("directory.baseDN", "dc=example,dc=org"),
        ("directory.userFilter", ""), ("directory.mailAttributes", ""), ("directory.groupMembership", "memberOf"),
        ("directory.cacheSeconds", "60"), ("directory.timeoutSeconds", "2"),
    ]

    @Test func theBindPasswordIsNeverShownNorStoredInTheClear() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("dora", role: .administrator)
            #expect(try await admin.post("/admin/settings/directory", Self.form).status == .seeOther)
            #expect(admin.server.settings.current.directory.bindPassword == Self.secret)
            #expect(admin.server.settings.current.directory.userFilter == "(objectClass=inetOrgPerson)", "the openLDAP preset")
            // An empty password field keeps the stored password.
            let emptied = Self.form.map { $0.0 == "directory.bindPassword" ? ($0.0, "") : $0 }
            #expect(try await admin.post("/admin/settings/directory", emptied).status == .seeOther)
            #expect(admin.server.settings.current.directory.bindPassword == Self.secret)

            let row = try #require(try await admin.server.database.persistedSettings())
            #expect(!row.contains(Self.secret))
            #expect((SettingsJSON.object(row)?["directory"] as? [String: Any])?["bindPassword"] as? String == "")
            let path = admin.server.configuration.sqlitePath
            for file in [path, path + "-wal"] {
                guard let bytes = FileManager.default.contents(atPath: file) else { continue }
                #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "\(file)")
            }
            let page = try await admin.send(.get, "/admin/settings/directory")
            #expect(page.status == .ok && page.text.contains(#"type="password""#) && !page.text.contains(Self.secret))
            let token = try await admin.server.accounts.createToken(label: "directory", role: .administrator, by: "test").token
            for uri in ["/admin/api/settings", "/admin/api/settings/directory"] {
                let answer = try await admin.api(.get, uri, token: token)
                #expect(answer.status == .ok && !answer.text.contains(Self.secret), "\(uri)")
            }
            let audit = try await admin.server.database.recentAuditEntries(limit: 50)
            #expect(!audit.contains { ($0.newValue ?? "").contains(Self.secret) || ($0.oldValue ?? "").contains(Self.secret) })

            // Stored sealed, opened again at the next start.
            admin.server.settings.update { $0.directory.bindPassword = "" }
            try await admin.server.runtimeSettings.loadPersisted()
            #expect(admin.server.settings.current.directory.bindPassword == Self.secret)
        }
    }

    @Test func aDirectoryDownFailsThePolicyClosedAndShowsOnTheStatus() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("dora", role: .administrator)
            #expect(try await admin.post("/admin/settings/directory", Self.form).status == .seeOther)
            admin.server.settings.update { $0.policyRules.rules = [PolicyRule(name: "staff", sender: .init(ldap: ["group:cn=staff,ou=groups,dc=example,dc=org"]))] }
            let policy = PolicyService(settings: admin.server.settings, directory: admin.server.directory)
            let result = await policy.explain(sender: try #require(EmailAddress("alice@example.org")), recipients: [], clientIP: nil)
            #expect(!result.senderAllowed)
            #expect(result.directoryProblem?.contains("127.0.0.1:1") == true)

            let token = try await admin.server.accounts.createToken(label: "status", role: .administrator, by: "test").token
            let status = try AdminClient.json(try await admin.api(.get, "/admin/api/status", token: token))
            let directory = try #require(status["directory"] as? [String: Any])
            #expect(directory["enabled"] as? Bool == true && directory["failing"] as? Bool == true)
            #expect(((directory["lastFailure"] as? [String: Any])?["message"] as? String)?.contains("127.0.0.1:1") == true)
            let page = try await admin.send(.get, "/admin")
            #expect(page.text.contains(#"id="directory-failure""#) && page.text.contains("127.0.0.1:1"))
        }
    }

    @Test func theCheckAnswersEachStep() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("dora", role: .administrator)
            #expect(try await admin.post("/admin/settings/directory", Self.form).status == .seeOther)
            let token = try await admin.server.accounts.createToken(label: "check", role: .administrator, by: "test").token
            let saved = try AdminClient.json(try await admin.api(.post, "/admin/api/directory/check", token: token, json: "{}"))
            let steps = try #require(saved["steps"] as? [[String: Any]])
            #expect(saved["ok"] as? Bool == false)
            #expect(steps.first?["step"] as? String == "connect" && steps.first?["ok"] as? Bool == false)
            #expect((steps.first?["detail"] as? String)?.contains("127.0.0.1:1") == true)
            // Unsaved settings: two servers, both tried.
            let unsaved = try AdminClient.json(try await admin.api(.post, "/admin/api/directory/check", token: token,
                json: #"{"directory": {"urls": ["ldap://127.0.0.1:1", "ldaps://127.0.0.1:2"]}, "testAddress": "alice@example.org"}"#))
            #expect((unsaved["steps"] as? [[String: Any]])?.compactMap { $0["detail"] as? String }.contains { $0.contains("127.0.0.1:2") } == true)
            let invalid = try await admin.api(.post, "/admin/api/directory/check", token: token, json: #"{"directory": {"urls": ["http://x"]}}"#)
            #expect(invalid.status == .badRequest && invalid.text.contains("directory.urls"))
            let page = try await admin.post("/admin/directory/check", [("testAddress", "alice@example.org")])
            #expect(page.status == .ok && page.text.contains(#"id="directory-check""#) && page.text.contains("127.0.0.1:1"))
        }
    }
}
