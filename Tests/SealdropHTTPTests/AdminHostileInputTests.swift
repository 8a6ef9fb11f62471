import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SealdropCore
import Testing
@testable import SealdropHTTP

/// Garbage into every admin form and API call: a clear 4xx, never a 500, nothing changed.
@Suite struct AdminHostileInputTests {
    static let formRoutes = [
        "/admin/settings/connection", "/admin/settings/mail", "/admin/settings/verification", "/admin/settings/transfer",
        "/admin/settings/password", "/admin/settings/protection", "/admin/settings/legal", "/admin/settings/network", "/admin/settings/nope",
        "/admin/mail/test", "/admin/verification/reset", "/admin/admins", "/admin/admins/admin", "/admin/admins/ghost", "/admin/tokens",
        "/admin/tokens/999/delete", "/admin/tokens/x/delete", "/admin/outbox/1/retry", "/admin/outbox/abc/retry",
        "/admin/log/20990101-000000-XXXXXXXX/delete", "/admin/log/..%2F..%2Fetc%2Fpasswd/delete", "/admin/reauth", "/logout", "/login",
    ]

    static let bodies: [String] = [
        "", "=", "&&&", "csrf", "%ZZ%", "a=%00%01%02", String(repeating: "x=1&", count: 5000),
        "policy.maxRetentionDays=99999999999999999999999&password.minimumLength=-1&adminAllowedNetworks=%0D%0Aevil",
        "mail.security=smtps&mail.host=%0D%0AHELO%20evil&mail.port=25%0D%0A&mail.from=a%40b.c%0D%0ABcc:%20x%40y.z",
        "name=%0D%0Aroot&role=administrator&password=" + String(repeating: "p", count: 5000),
        "terms.en.title=" + String(repeating: "T", count: 300) + "&terms.en.type=script&terms.en.content=x",
        "action=role&role=superuser", "action=%00", "name=%3Cscript%3Ealert(1)%3C/script%3E&mail.host=%3Cscript%3Ealert(1)%3C/script%3E&to=%3Cscript%3Ealert(1)%3C/script%3E", "label=%0D%0A&role=administrator", "to=%0D%0ARCPT%20TO:%3Cx%40y%3E",
    ]

    @Test func formsAnswerWithoutServerErrors() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("victor", role: .administrator)
            let before = admin.server.settings.current
            for route in Self.formRoutes {
                for body in Self.bodies {
                    for withToken in [false, true] {
                        let payload = withToken ? "csrf=\(admin.csrf)&" + body : body
                        let r = try await admin.send(.post, route, body: payload)
                        #expect(r.status.code < 500, "\(route) \(body.prefix(60)) → \(r.status)")
                        #expect(!r.text.contains("<script>alert"), "\(route)")
                    }
                }
            }
            // The session may have ended (logout) and settings kept their values for every bad input.
            #expect(admin.server.settings.current.adminAllowedNetworks == before.adminAllowedNetworks)
            #expect(admin.server.settings.current.mail.relayURL.contains("HELO") == false)
            let names = try await admin.server.database.adminAccounts().map(\.name)
            #expect(names.allSatisfy { !$0.contains("\r") && !$0.contains("\n") })
        }
    }

    @Test func oversizedFormBodyIs413NotAServerError() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("olga", role: .administrator)
            let before = admin.server.settings.current
            let body = "csrf=\(admin.csrf)&policy.maxRetentionDays=3&pad=" + String(repeating: "x", count: AdminSurface.formLimit + 1)
            for route in ["/admin/settings/transfer", "/admin/admins", "/admin/reauth"] {
                let r = try await admin.send(.post, route, body: body)
                #expect(r.status == .contentTooLarge, "\(route) → \(r.status)")
            }
            #expect(admin.server.settings.current.policy.maxRetentionDays == before.policy.maxRetentionDays)
        }
    }

    @Test func apiAnswersJSONErrorsWithoutServerErrors() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "fuzz", role: .administrator, by: "test").token
            let bodies = ["", "null", "[]", "42", "\"x\"", "{", #"{"policy": null}"#, #"{"policy": []}"#, #"{"policy": {"maxRetentionDays": null}}"#,
                          #"{"password": {"minimumLength": 1e999}}"#, #"{"legal": {"terms": [{"locale": 1}]}}"#,
                          String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
                          #"{"verification": {"registeredClientIds": {"bad id\r\n": "x"}}}"#, #"{"cors": {"mode": "some"}}"#,
                          #"{"mail": {"relayURL": "smtp://%0D%0A@host"}}"#, #"{"name": "x", "role": "god", "password": "p"}"#]
            let routes: [(HTTPRequest.Method, String)] = [
                (.put, "/admin/api/settings/password"), (.put, "/admin/api/settings/transfer"), (.put, "/admin/api/settings/legal"),
                (.put, "/admin/api/settings/verification"), (.put, "/admin/api/settings/connection"), (.put, "/admin/api/settings/mail"),
                (.put, "/admin/api/settings/unknown"), (.post, "/admin/api/admins"), (.post, "/admin/api/outbox/7/retry"),
                (.delete, "/admin/api/transfers/not-an-id"), (.get, "/admin/api/transfers/../../etc"), (.get, "/admin/api/audit?after=-5"),
                (.get, "/admin/api/transfers?limit=-1&offset=99999999999999999999"),
            ]
            for (method, route) in routes {
                for body in bodies {
                    let r = try await admin.api(method, route, token: token, json: body)
                    #expect(r.status.code < 500, "\(method) \(route) \(body.prefix(50)) → \(r.status)")
                    if r.status.code >= 400 {
                        #expect(r.headers[.contentType] == "application/json", "\(route)")
                        #expect((try? AdminClient.json(r))?["errorCode"] is String, "\(route) \(r.text.prefix(100))")
                    }
                }
            }
            #expect(admin.server.settings.current == SealdropSettingsSnapshot.defaults)
        }
    }
}

/// The defaults a fresh test server starts with.
enum SealdropSettingsSnapshot {
    static let defaults: SealdropCore.SealdropSettings = SealdropCore.SealdropSettings()
}
