import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// The admin listeners: sign-in, roles on every page and API route, lock-out, CSRF, re-authentication,
/// settings taking effect at once with field-level validation, the allow-list, and the actions.
@Suite struct AdminTests {
    /// Every admin page and the permission it needs.
    static let pages: [(String, AdminPermission)] = [
        ("/admin/log", .viewLog), ("/admin/statistics", .viewStatistics),
        ("/admin/settings/connection", .editSettings), ("/admin/settings/mail", .manageMail), ("/admin/settings/verification", .editSettings),
        ("/admin/settings/transfer", .editSettings), ("/admin/settings/password", .editSettings), ("/admin/settings/protection", .editSettings),
        ("/admin/settings/legal", .editSettings), ("/admin/settings/network", .editSettings),
        ("/admin/outbox", .viewOutbox), ("/admin/admins", .manageAdmins), ("/admin/audit", .viewAudit), ("/admin/quick", .createQuickCodes),
        ("/admin/system-log", .viewSystemLog), ("/admin/settings/retention", .editSettings),
    ]

    /// Every read route of the admin API and the permission it needs.
    static let apiRoutes: [(String, AdminPermission)] = [
        ("/admin/api/status", .viewStatus), ("/admin/api/settings", .editSettings), ("/admin/api/settings/password", .editSettings),
        ("/admin/api/settings/mail", .manageMail), ("/admin/api/transfers", .viewLog), ("/admin/api/statistics", .viewStatistics),
        ("/admin/api/outbox", .viewOutbox), ("/admin/api/audit", .viewAudit), ("/admin/api/audit/verify", .viewAudit),
        ("/admin/api/admins", .manageAdmins), ("/admin/api/logs", .viewSystemLog), ("/admin/api/settings/retention", .editSettings),
    ]

    @Test func signedOutPagesLeadToTheLoginAndTheAPIAnswers401() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            for (path, _) in Self.pages + [("/admin", .viewStatus)] {
                let r = try await admin.send(.get, path)
                #expect(r.status == .seeOther, "\(path)")
                #expect(r.headers[.location]?.hasPrefix("/login?next=") == true, "\(path)")
            }
            let r = try await admin.send(.get, "/admin/api/status")
            #expect(r.status == .unauthorized)
            #expect(try AdminClient.json(r)["errorCode"] as? String == "notSignedIn")
            let login = try await admin.send(.get, "/login")
            #expect(login.status == .ok)
            #expect(login.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            // Unknown paths are a 404 page, not a login redirect or a user page.
            #expect(try await admin.send(.get, "/download?id=x").status == .notFound)
            #expect(try await admin.send(.get, "/api/products").status == .notFound)
        }
    }

    @Test(arguments: AdminRole.allCases)
    func everyRoleOpensExactlyItsPages(role: AdminRole) async throws {
        try await AdminClient.run { admin in
            var admin = admin
            let login = try await admin.login("someone", role: role)
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == AdminSurface.home(for: role))
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("cs-ai-session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"))
            for (path, permission) in Self.pages {
                let r = try await admin.send(.get, path)
                #expect(r.status == (role.allows(permission) ? .ok : .forbidden), "\(role) \(path)")
            }
            let status = try await admin.send(.get, "/admin")
            #expect(status.status == (role.allows(.viewStatus) ? .ok : .seeOther))
            // The menu offers exactly the pages the role may open.
            let page = try await admin.send(.get, AdminSurface.home(for: role))
            for (path, permission) in Self.pages {
                #expect(page.text.contains("href=\"\(path)\"") == role.allows(permission), "\(role) menu \(path)")
            }
        }
    }

    /// Every form route and the permission it needs.
    static let formRoutes: [(String, AdminPermission)] = [
        ("/admin/settings/connection", .editSettings), ("/admin/settings/mail", .manageMail), ("/admin/settings/password", .editSettings),
        ("/admin/settings/legal", .editSettings), ("/admin/mail/test", .manageMail), ("/admin/verification/reset", .editSettings),
        ("/admin/admins", .manageAdmins), ("/admin/admins/someone", .manageAdmins), ("/admin/tokens", .manageAdmins),
        ("/admin/tokens/1/delete", .manageAdmins), ("/admin/outbox/1/retry", .viewOutbox),
        ("/admin/log/20250101-000000-ABCDEFGH/delete", .deleteTransfers),
    ]

    @Test(arguments: AdminRole.allCases)
    func everyRoleMayPostExactlyItsForms(role: AdminRole) async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("someone", role: role)
            let before = admin.server.settings.current
            for (path, permission) in Self.formRoutes {
                // An empty form: allowed roles get past the role check (to a validation answer), others get 403.
                let r = try await admin.post(path, [])
                if role.allows(permission) {
                    #expect(r.status != .forbidden && r.status.code < 500, "\(role) \(path) → \(r.status)")
                } else {
                    #expect(r.status == .forbidden, "\(role) \(path) → \(r.status)")
                }
                if !role.allows(.editSettings) { #expect(admin.server.settings.current == before, "\(role) \(path)") }
            }
        }
    }

    @Test func refusalsAreExplainedInThePageLanguageWithTheMenu() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("uma", role: .logAnalyst)
            let english = try await admin.send(.get, "/admin/settings/password")
            #expect(english.status == .forbidden)
            #expect(english.text.contains("Your role does not allow this (changing settings)."))
            #expect(english.text.contains(#"href="/admin/log""#))
            let german = try await admin.send(.get, "/admin/settings/password?lang=de")
            #expect(german.text.contains("Ihre Rolle erlaubt das nicht (Einstellungen ändern)."))
            #expect(try await admin.send(.get, "/admin/nothing-here").text.contains("Diese Seite gibt es nicht."))
        }
    }

    @Test(arguments: AdminRole.allCases)
    func apiTokensActWithTheirRole(role: AdminRole) async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "automation \(role.rawValue)", role: role, by: "test").token
            for (path, permission) in Self.apiRoutes {
                let r = try await admin.api(.get, path, token: token)
                #expect(r.status == (role.allows(permission) ? .ok : .forbidden), "\(role) \(path)")
                if !role.allows(permission) { #expect(try AdminClient.json(r)["errorCode"] as? String == "forbidden") }
            }
            let put = try await admin.api(.put, "/admin/api/settings/password", token: token, json: #"{"password": {"minimumLength": 11}}"#)
            #expect(put.status == (role.allows(.editSettings) ? .ok : .forbidden))
            #expect(try await admin.api(.get, "/admin/api/status", token: "sdt_" + String(repeating: "A", count: 43)).status == .unauthorized)
            #expect(try await admin.api(.get, "/admin/api/status", token: "not-a-token").status == .unauthorized)
        }
    }

    @Test func fiveWrongPasswordsLockTheAccountEvenForTheRightOne() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.server.accounts.create(name: "carol", role: .administrator, password: "carol's right password", by: "test")
            for attempt in 1...5 {
                let r = try await admin.loginOnly("carol", password: "wrong password \(attempt)")
                #expect(r.status == .unauthorized)
                #expect(r.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("cs-ai-session=") })
            }
            // Locked: refused like a wrong password, without saying so (that would confirm the name exists).
            let locked = try await admin.loginOnly("carol", password: "carol's right password")
            #expect(locked.status == .unauthorized)
            #expect(locked.text.contains("Wrong name or password") && !locked.text.contains("locked until"))
            #expect(locked.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("cs-ai-session=") })
            // Unknown names get the same answer as wrong passwords.
            let unknown = try await admin.loginOnly("nobody", password: "whatever it is")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.text.contains("Wrong name or password, or the account is locked for a while after too many wrong passwords."))
            let actions = try await admin.server.database.recentAuditEntries(limit: 50).map(\.action)
            #expect(actions.filter { $0 == "admin.locked" }.count == 1)
            #expect(actions.filter { $0 == "login.failed" }.count == 6)
            #expect(actions.contains("login.refused-locked"))
        }
    }

    @Test func formsAndAPICallsWithoutTheCSRFTokenAreRefused() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("dave", role: .administrator)
            let before = admin.server.settings.current
            let r = try await admin.send(.post, "/admin/settings/network", body: AdminClient.form([("adminAllowedNetworks", "0.0.0.0/0")]))
            #expect(r.status == .forbidden)
            let forged = try await admin.send(.post, "/admin/settings/network", body: AdminClient.form([("csrf", (admin.csrf.hasPrefix("A") ? "B" : "A") + admin.csrf.dropFirst()), ("adminAllowedNetworks", "0.0.0.0/0")]))
            #expect(forged.status == .forbidden)
            let api = try await admin.send(.put, "/admin/api/settings/network", body: #"{"adminAllowedNetworks": ["0.0.0.0/0"]}"#, contentType: "application/json")
            #expect(api.status == .forbidden)
            #expect(try AdminClient.json(api)["errorCode"] as? String == "csrf")
            #expect(admin.server.settings.current == before)
            // The login form has its own token (double submit) before any session exists.
            var stranger = AdminClient(client: admin.client, server: admin.server)
            let login = try await stranger.send(.post, "/login", body: AdminClient.form([("name", "dave"), ("password", "a long test password")]))
            #expect(login.status == .forbidden)
            // With the header, the session may use the API.
            var headers = HTTPFields()
            headers[HTTPField.Name("X-CSRF-Token")!] = admin.csrf
            let ok = try await admin.send(.put, "/admin/api/settings/network", headers: headers, body: #"{"adminAllowedNetworks": ["127.0.0.0/8", "10.0.0.0/8"]}"#,
                                          contentType: "application/json")
            #expect(ok.status == .ok)
            #expect(admin.server.settings.current.adminAllowedNetworks == ["127.0.0.0/8", "10.0.0.0/8"])
        }
    }

    @Test func aPasswordRuleChangedInTheFormAppliesToTheUserSideAtOnce() async throws {
        try await AdminClient.runBeside { api, admin in
            var admin = admin
            #expect(try await api.send(.post, "/api/password", json: #"{"password": "Kx7#mPq2vL"}"#).status == .ok)
            try await admin.login("erin", role: .configAdmin)
            let page = try await admin.send(.get, "/admin/settings/password")
            #expect(page.text.contains(#"id="f-password-minimumLength" name="password.minimumLength" value="8""#))
            var fields = try AdminClient.submitted("password", api.server.settings.current)
            fields.removeAll { $0.0 == "password.minimumLength" }
            fields.append(("password.minimumLength", "16"))
            let saved = try await admin.post("/admin/settings/password", fields)
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/admin/settings/password?notice=saved")
            let after = try await admin.send(.get, "/admin/settings/password?notice=saved")
            #expect(after.text.contains("Saved. The change is in effect now."))
            let rules = try await api.send(.get, "/api/password/requirements").list
            let minimum = try #require(rules.first { $0["name"] as? String == "minimumLengthRequired" })
            #expect((minimum["details"] as? [String: Any])?["length"] as? Int == 16)
            #expect(try await api.send(.post, "/api/password", json: #"{"password": "Kx7#mPq2vL"}"#).text.contains("minimumLengthRequired"))
            let audit = try await api.server.database.recentAuditEntries(limit: 10)
            let row = try #require(audit.first { $0.target == "password.minimumLength" })
            #expect(row.actor == "erin" && row.oldValue == "8" && row.newValue == "16" && row.action == "settings.change")
            // Persisted: a new server on the same data dir starts with the saved value.
            let again = try SealdropServer.build(configuration: api.server.configuration, logger: AdminClient.quiet)
            #expect(again.settings.current.password.minimumLength == 8)
            try await again.runtimeSettings.loadPersisted()
            #expect(again.settings.current.password.minimumLength == 16)
        }
    }

    @Test func invalidValuesAreExplainedNextToTheirFieldAndChangeNothing() async throws {
        try await AdminClient.run(settings: #"{"policy": {"maxTotalSize": 1048576}}"#) { admin in
            var admin = admin
            try await admin.login("frank", role: .administrator)
            let before = admin.server.settings.current
            var fields = try AdminClient.submitted("transfer", before)
            fields.removeAll { $0.0 == "policy.maxRetentionDays" || $0.0 == "policy.defaultRetentionDays" }
            fields += [("policy.maxRetentionDays", "400"), ("policy.defaultRetentionDays", "ten")]
            let r = try await admin.post("/admin/settings/transfer", fields)
            #expect(r.status == .badRequest)
            #expect(r.text.contains(#"<p class="field-error" id="f-policy-maxRetentionDays-error">Enter a whole number from 1 to 365.</p>"#))
            #expect(r.text.contains(#"<p class="field-error" id="f-policy-defaultRetentionDays-error">Enter a whole number from 1 to 365.</p>"#))
            #expect(r.text.contains(#"value="400""#))
            // The pinned size is shown read-only and cannot be changed here.
            #expect(r.text.contains(#"name="policy.maxTotalSize" value="1" disabled"#))
            #expect(admin.server.settings.current == before)

            let token = try await admin.server.accounts.createToken(label: "ci", role: .administrator, by: "test").token
            func problems(_ response: TestResponse) -> [String] {
                let object = (try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) as? [String: Any]
                return ((object?["problems"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
            }
            let range = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: #"{"policy": {"defaultRetentionDays": 30}}"#)
            #expect(range.status == .badRequest)
            #expect(problems(range) == ["policy.defaultRetentionDays"])
            let type = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: #"{"policy": {"maxRetentionDays": "many"}}"#)
            #expect(type.status == .badRequest)
            #expect(problems(type) == ["policy.maxRetentionDays"])
            let unknown = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: #"{"policy": {"maxRetentionDayz": 3}}"#)
            #expect(problems(unknown) == ["policy.maxRetentionDayz"])
            let elsewhere = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: #"{"adminAllowedNetworks": ["0.0.0.0/0"]}"#)
            #expect(problems(elsewhere) == ["adminAllowedNetworks"])
            let pinned = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: #"{"policy": {"maxTotalSize": 5}}"#)
            #expect(pinned.status == .conflict)
            #expect(try AdminClient.json(pinned)["errorCode"] as? String == "pinned")
            let notJSON = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: "{")
            #expect(notJSON.status == .badRequest)
            let huge = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: "[" + String(repeating: "1,", count: 200_000) + "1]")
            #expect(huge.status.code == 413 || huge.status == .badRequest, "\(huge.status) \(huge.text.prefix(200))")
            let cidr = try await admin.api(.put, "/admin/api/settings/network", token: token, json: #"{"adminAllowedNetworks": ["10.0.0.0/33"]}"#)
            #expect(problems(cidr) == ["adminAllowedNetworks"])
            #expect(admin.server.settings.current == before)
            let ok = try await admin.api(.put, "/admin/api/settings/transfer", token: token, json: #"{"policy": {"maxRetentionDays": 30, "defaultRetentionDays": 7}}"#)
            #expect(ok.status == .ok)
            #expect(try AdminClient.json(ok)["changed"] as? [String] == ["policy.defaultRetentionDays", "policy.maxRetentionDays"])
            #expect(admin.server.settings.current.policy.defaultRetentionDays == 7)
        }
    }

    @Test func secretsNeverReachTheAuditLogOrTheAPI() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "ops", role: .administrator, by: "test").token
            let r = try await admin.api(.put, "/admin/api/settings/mail", token: token, json: #"{"mail": {"relayURL": "smtp://mailer:s3cr3t-value@127.0.0.1:2525"}}"#)
            #expect(r.status == .ok)
            let shown = try await admin.api(.get, "/admin/api/settings/mail", token: token)
            #expect(!shown.text.contains("s3cr3t-value"))
            let entries = try await admin.server.database.recentAuditEntries(limit: 20)
            #expect(entries.contains { $0.target == "mail.relayURL" })
            #expect(!entries.contains { ($0.newValue ?? "").contains("s3cr3t") || ($0.oldValue ?? "").contains("s3cr3t") })
            let bad = try await admin.api(.put, "/admin/api/settings/mail", token: token, json: #"{"mail": {"relayURL": "gopher://x"}}"#)
            #expect(bad.status == .badRequest)
            let verify = try await admin.api(.get, "/admin/api/audit/verify", token: token)
            #expect(try AdminClient.json(verify)["intact"] as? Bool == true)
        }
    }

    @Test func sensitiveActionsAskForThePasswordAgain() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("grace", role: .administrator)
            // Ten minutes after the login the window is closed.
            let cookie = try #require(admin.cookies[AdminAuthMiddleware.cookie])
            var session = try #require(try await admin.server.database.adminSession(tokenHash: AdminAccounts.digest(cookie)))
            session.authenticatedAt = Date().addingTimeInterval(-600)
            try await admin.server.database.updateAdminSession(session)
            let create = [("name", "henry"), ("role", "logAnalyst"), ("password", "henry's long password")]
            let r = try await admin.post("/admin/admins", create)
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/admin/reauth?next=%2Fadmin")
            #expect(try await admin.server.database.adminAccount(named: "henry") == nil)
            _ = try await admin.send(.get, "/admin/reauth?next=/admin/admins")
            let wrong = try await admin.post("/admin/reauth", [("next", "/admin/admins"), ("password", "not my password")])
            #expect(wrong.status == .unauthorized)
            let confirmed = try await admin.post("/admin/reauth", [("next", "/admin/admins"), ("password", "a long test password")])
            #expect(confirmed.status == .seeOther)
            #expect(confirmed.headers[.location] == "/admin/admins")
            #expect(try await admin.post("/admin/admins", create).status == .seeOther)
            #expect(try await admin.server.database.adminAccount(named: "henry")?.role == .logAnalyst)
            // An open redirect through `next` is not possible.
            let away = try await admin.post("/admin/reauth", [("next", "//evil.example/x"), ("password", "a long test password")])
            #expect(away.headers[.location] == "/admin")
        }
    }

    @Test func administratorsAreManagedAndTheLastAdministratorStays() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ida", role: .administrator)
            let weak = try await admin.post("/admin/admins", [("name", "jack"), ("role", "configAdmin"), ("password", "short")])
            #expect(weak.status == .badRequest)
            #expect(weak.text.contains("Use at least 12 characters."))
            let badName = try await admin.post("/admin/admins", [("name", "jack<script>"), ("role", "configAdmin"), ("password", "a long enough password")])
            #expect(badName.status == .badRequest)
            #expect(!badName.text.contains("jack<script>"))
            #expect(try await admin.post("/admin/admins", [("name", "jack"), ("role", "configAdmin"), ("password", "jack's long password")]).status == .seeOther)
            #expect(try await admin.post("/admin/admins", [("name", "JACK"), ("role", "configAdmin"), ("password", "jack's long password")]).status == .badRequest)
            #expect(try await admin.post("/admin/admins/jack", [("action", "role"), ("role", "logAnalyst")]).status == .seeOther)
            #expect(try await admin.server.database.adminAccount(named: "jack")?.role == .logAnalyst)
            // jack signs in, then gets disabled: his session ends at once.
            var jack = AdminClient(client: admin.client, server: admin.server)
            try await jack.loginOnly("jack", password: "jack's long password")
            #expect(try await jack.send(.get, "/admin/log").status == .ok)
            #expect(try await admin.post("/admin/admins/jack", [("action", "disable")]).status == .seeOther)
            #expect(try await jack.send(.get, "/admin/log").status == .seeOther)
            #expect(try await jack.loginOnly("jack", password: "jack's long password").status == .forbidden)
            // The only enabled Administrator can neither be disabled nor demoted.
            let demote = try await admin.post("/admin/admins/ida", [("action", "role"), ("role", "logAnalyst")])
            #expect(demote.status == .conflict)
            #expect(try await admin.post("/admin/admins/ida", [("action", "disable")]).status == .conflict)
            #expect(try await admin.server.database.adminAccount(named: "ida")?.role == .administrator)
            // A token is shown once, then only its label.
            let created = try await admin.post("/admin/tokens", [("label", "backup job"), ("role", "logAnalyst")])
            let token = try #require(created.text.range(of: #"<code id="new-token">"#).map { String(created.text[$0.upperBound...].prefix(47)) })
            #expect(token.hasPrefix("sdt_"))
            #expect(try await admin.api(.get, "/admin/api/transfers", token: token).status == .ok)
            #expect(!(try await admin.send(.get, "/admin/admins").text.contains(token)))
            let actions = Set(try await admin.server.database.recentAuditEntries(limit: 50).map(\.action))
            #expect(actions.isSuperset(of: ["admin.create", "admin.role", "admin.disable", "token.create"]))
        }
    }

    @Test func clientsOutsideTheAllowedNetworksGet403Everywhere() async throws {
        try await AdminClient.run(settings: #"{"adminAllowedNetworks": ["10.0.0.0/8", "192.168.0.0/16"]}"#) { admin in
            var admin = admin
            for path in ["/login", "/admin", "/health", "/metrics", "/admin/api/status", "/static/admin.css"] {
                let r = try await admin.send(.get, path)
                #expect(r.status == .forbidden, "\(path)")
            }
        }
    }

    @Test func theLogShowsTransfersWithFiltersDetailsAndAdminDeletion() async throws {
        try await AdminClient.runBeside { api, admin in
            var admin = admin
            let first = try await api.sendTransfer(sender: "alice@example.com", to: ["bob@example.org"], files: [("report-q3.pdf", Array("pdf".utf8))])
            let second = try await api.sendTransfer(sender: "zoe@example.net", to: ["carl@example.org", "dora@example.org"], files: [("photo.jpg", Array("jpg".utf8))])
            #expect(try await api.send(.get, "/api/transfers/\(second.transferIds[1])/files/\(second.fileIds[0])", password: second.password).status == .ok)
            try await admin.login("kim", role: .administrator)
            let all = try await admin.send(.get, "/admin/log")
            #expect(all.text.contains(first.trackingId) && all.text.contains(second.trackingId))
            for query in ["sender=ALICE", "fileName=q3", "recipient=bob@", "trackingId=\(first.trackingId.suffix(6))", "transferId=\(first.transferId)"] {
                let r = try await admin.send(.get, "/admin/log?\(query)")
                #expect(r.text.contains(first.trackingId) && !r.text.contains(second.trackingId), "\(query)")
            }
            #expect(try await admin.send(.get, "/admin/log?sender=%25").text.contains("No transfers match."))
            let detail = try await admin.send(.get, "/admin/log/\(second.trackingId)")
            #expect(detail.status == .ok)
            #expect(detail.text.contains("dora@example.org") && detail.text.contains("photo.jpg"))
            #expect(detail.text.components(separatedBy: "not downloaded").count - 1 == 1)
            #expect(try await admin.send(.get, "/admin/log/20990101-000000-XXXXXXXX").status == .notFound)
            let deleted = try await admin.post("/admin/log/\(first.trackingId)/delete", [])
            #expect(deleted.status == .seeOther)
            #expect(try await admin.send(.get, "/admin/log/\(first.trackingId)").text.contains("DELETED_BY_ADMIN"))
            #expect(try await admin.post("/admin/log/\(first.trackingId)/delete", []).status == .conflict)
            let stats = try await admin.send(.get, "/admin/statistics")
            #expect(stats.text.contains("<svg") && stats.text.contains("<rect"))
            #expect(stats.text.contains("<td>2</td>"))
            // A Log Analyst reads the log but may not delete.
            var analyst = AdminClient(client: admin.client, server: api.server)
            try await analyst.login("leo", role: .logAnalyst)
            #expect(!(try await analyst.send(.get, "/admin/log/\(second.trackingId)").text.contains("delete-transfer")))
            #expect(try await analyst.post("/admin/log/\(second.trackingId)/delete", []).status == .forbidden)
            let gone = try await api.send(.get, "/api/transfers/\(first.transferId)/files/\(first.fileIds[0])", password: first.password)
            #expect(gone.status != .ok)
        }
    }

    @Test func failedMailCanBeSentAgainAndTheTestMailShowsWhereItWent() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("mia", role: .administrator)
            try await admin.server.database.enqueue([OutboxMessage(kind: "test", envelopeFrom: "a@x.test", envelopeTo: ["b@x.test"], subject: "Hello",
                                                                   message: Array("Subject: Hello\r\n\r\nbody\r\n".utf8), createdAt: Date())])
            let id = try #require(try await admin.server.database.recentMessages(limit: 1).first?.id)
            try await admin.server.database.markFailed(id, attempts: 5, error: "550 mailbox unavailable")
            let page = try await admin.send(.get, "/admin/outbox")
            #expect(page.text.contains("550 mailbox unavailable"))
            #expect(try await admin.send(.get, "/admin/outbox/\(id)").text.contains("body"))
            #expect(try await admin.post("/admin/outbox/\(id)/retry", []).status == .seeOther)
            #expect(try await admin.server.database.outboxMessage(id)?.state == .queued)
            #expect(try await admin.post("/admin/outbox/\(id)/retry", []).status == .conflict)
            let test = try await admin.post("/admin/mail/test", [("to", "ops@example.org")])
            #expect(test.status == .ok)
            #expect(test.text.contains("Capture mode: the message was kept in"), "\(test.text.components(separatedBy: "test-result\">").dropFirst().map { $0.prefix(300) })")
            let noAddress = try await admin.post("/admin/mail/test", [("to", "not an address")])
            #expect(noAddress.status == .badRequest)
        }
    }

    @Test func theMailPageComposesTheRelayAndKeepsThePasswordUnshown() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("otto", role: .administrator)
            let fields = [("mail.security", "smtps"), ("mail.host", "mail.example.org"), ("mail.port", ""), ("mail.username", "sealdrop@example.org"),
                          ("mail.password", "p@ss:w/rd"), ("mail.from", "files@example.org")]
            #expect(try await admin.post("/admin/settings/mail", fields).status == .seeOther)
            let mail = admin.server.settings.current.mail
            #expect(mail.relayURL == "smtps://sealdrop%40example.org:p%40ss%3Aw%2Frd@mail.example.org")
            #expect(mail.from == "files@example.org")
            let page = try await admin.send(.get, "/admin/settings/mail")
            #expect(!page.text.contains("p%40ss") && !page.text.contains("p@ss"))
            #expect(page.text.contains("A password is stored"))
            var again = fields
            again[4] = ("mail.password", "")
            #expect(try await admin.post("/admin/settings/mail", again).status == .seeOther)
            #expect(admin.server.settings.current.mail.relayURL == "smtps://sealdrop%40example.org:p%40ss%3Aw%2Frd@mail.example.org")
            // Another port is another relay: the stored password does not follow it.
            again[2] = ("mail.port", "2465")
            #expect(try await admin.post("/admin/settings/mail", again).status == .seeOther)
            #expect(admin.server.settings.current.mail.relayURL == "smtps://sealdrop%40example.org@mail.example.org:2465")
            // Notifications now come from the new address.
            let message = admin.server.notifications.verificationCode(to: EmailAddress("x@example.org")!, code: "ABCDEFGHJK", validMinutes: 15, language: "en", now: Date())
            #expect(message.envelopeFrom == "files@example.org")
            let audit = try await admin.server.database.recentAuditEntries(limit: 10)
            #expect(!audit.contains { ($0.newValue ?? "").contains("p%40ss") || ($0.oldValue ?? "").contains("p%40ss") })
            let bad = try await admin.post("/admin/settings/mail", [("mail.security", "smtp"), ("mail.host", "a b"), ("mail.port", "0"), ("mail.from", "x")])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains(#"id="f-mail-host-error""#) && bad.text.contains(#"id="f-mail-port-error""#) && bad.text.contains(#"id="f-mail-from-error""#))
            #expect(try await admin.post("/admin/settings/mail", [("mail.security", "default"), ("mail.from", "")]).status == .seeOther)
            #expect(admin.server.settings.current.mail == MailServerSettings())
        }
    }

    @Test func theBaseURLChangesLinksAtOnceUnlessTheEnvironmentFixesIt() async throws {
        // Without SEALDROP_BASE_URL the administrators choose it.
        try await AdminClient.runBeside(environment: ["SEALDROP_BASE_URL": ""]) { api, admin in
            var admin = admin
            try await admin.login("val", role: .administrator)
            let page = try await admin.send(.get, "/admin/settings/connection")
            #expect(page.text.contains(#"name="publicBaseURL" value="""#) && !page.text.contains(#"name="publicBaseURL" value="" maxlength="2000" disabled"#))
            let token = try await api.server.accounts.createToken(label: "t", role: .administrator, by: "test").token
            let bad = try await admin.api(.put, "/admin/api/settings/connection", token: token, json: #"{"publicBaseURL": "files.example.com/x?y"}"#)
            #expect(bad.status == .badRequest)
            let ok = try await admin.api(.put, "/admin/api/settings/connection", token: token, json: #"{"publicBaseURL": "https://files.example.com/"}"#)
            #expect(ok.status == .ok)
            #expect(try await admin.send(.get, "/admin/settings/connection").text.contains(#"<dd id="base-url">https://files.example.com</dd>"#))
            let sent = try await api.sendTransfer()
            let link = api.server.notifications.downloadURL(transferId: TransferID(rawValue: sent.transferId)!, password: nil)
            #expect(link.hasPrefix("https://files.example.com/download?id="))
            let senderToken = try await api.verify("zed@example.com")
            let session = try await api.send(.post, "/api/users/zed@example.com/transfer-sessions", token: senderToken,
                                             json: #"{"recipients": {"to": [{"mail": "x@example.org"}]}}"#)
            #expect(session.headers[.location]?.hasPrefix("https://files.example.com/api/users/") == true)
        }
        // With SEALDROP_BASE_URL it is read-only and the API refuses a change.
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("wes", role: .administrator)
            let page = try await admin.send(.get, "/admin/settings/connection")
            #expect(page.text.contains(#"name="publicBaseURL" value="" maxlength="2000" disabled"#))
            let token = try await admin.server.accounts.createToken(label: "t", role: .administrator, by: "test").token
            let pinned = try await admin.api(.put, "/admin/api/settings/connection", token: token, json: #"{"publicBaseURL": "https://elsewhere.example"}"#)
            #expect(pinned.status == .conflict)
            #expect(admin.server.notifications.baseURL == "https://sealdrop.test")
        }
    }

    @Test func legalTextsAndVerificationResetApply() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("nina", role: .administrator)
            let before = admin.server.settings.current.legal.termsLastChange
            let r = try await admin.post("/admin/settings/legal", [
                ("terms.en.title", "Terms"), ("terms.en.type", "text"), ("terms.en.content", "Be nice."),
                ("terms.de.title", "Bedingungen"), ("terms.de.type", "link"), ("terms.de.content", "https://example.org/agb"),
                ("imprint.title", "Imprint"), ("imprint.type", "html"), ("imprint.content", "<p>ACME</p>"),
            ])
            #expect(r.status == .seeOther, "\(r.text.components(separatedBy: "role=\"alert\">").dropFirst().map { $0.prefix(160) })")
            let legal = admin.server.settings.current.legal
            #expect(legal.terms.map(\.content) == ["Be nice.", "https://example.org/agb"])
            #expect(legal.termsLastChange != nil && legal.termsLastChange != before)
            let badLink = try await admin.post("/admin/settings/legal", [("terms.en.title", "T"), ("terms.en.type", "link"), ("terms.en.content", "javascript:alert(1)"),
                                                                         ("imprint.title", "I"), ("imprint.type", "html"), ("imprint.content", "x")])
            #expect(badLink.status == .badRequest)
            #expect(try await admin.post("/admin/verification/reset", []).status == .seeOther)
            #expect(try await admin.server.database.recentAuditEntries(limit: 5).contains { $0.action == "verification.reset-all" })
        }
    }

    @Test func userListenersServeNoAdminPaths() async throws {
        try await TestServer.run { api in
            for path in ["/login", "/admin", "/admin/log", "/admin/api/status", "/health", "/metrics", "/static/admin.css"] {
                let r = try await api.send(.get, path)
                #expect(r.status == .notFound || (path == "/static/admin.css" && r.status == .ok), "\(path)")
            }
        }
    }
}
