import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SealdropCore
import Testing
@testable import SealdropHTTP

/// Product keys (spec §2, §4): `api.rest` and the web app's `server` always, the keys an administrator
/// registers besides; an unknown key is 400/1005 in a path and 400/1004 in the header or query.
@Suite struct ProductKeyTests {
    /// Every `{product-key}` route, with the `Origin` the CORS one needs.
    static let productPaths = ["cors", "logging", "language-packs", "language-packs/en-US_1", "language-packs/en-US_1/messages.json",
                               "legal/terms-of-use", "legal/imprint"]

    static func get(_ api: API, _ key: String, _ path: String, headerKey: String = "api.rest") async throws -> TestResponse {
        try await api.send(.get, "/api/products/\(key)/\(path)", headers: ["Origin": "https://owa.example.com", "X-CS-ProductKey": headerKey])
    }

    @Test func builtInKeysWorkOnEveryProductRoute() async throws {
        try await TestServer.run { api in
            for key in ["api.rest", "server"] {
                for path in Self.productPaths {
                    let r = try await Self.get(api, key, path, headerKey: key)
                    #expect(r.status == .ok, "\(key)/\(path): \(r.status)")
                }
            }
        }
    }

    @Test func unknownKeyInPathIs1005OnEveryProductRoute() async throws {
        try await TestServer.run { api in
            for path in Self.productPaths {
                expectError(try await Self.get(api, "outlook", path), 400, 1005)
            }
        }
    }

    @Test func unknownKeyInHeaderOrQueryIs1004() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-ProductKey": "outlook"]), 400, 1004)
            var raw = api.headers()
            raw[HTTPField.Name("X-CS-ProductKey")!] = nil
            expectError(try await api.send(.get, "/api/password?product-key=outlook", rawHeaders: raw), 400, 1004)
            #expect(try await api.send(.get, "/api/password?product-key=server", rawHeaders: raw).status == .ok)
            #expect(try await api.send(.get, "/api/password", headers: ["X-CS-ProductKey": "server"]).status == .ok)
        }
    }

    @Test func keysFromTheConfigFileAreValid() async throws {
        try await TestServer.run(settings: #"{"productKeys": ["owa", "notes"]}"#) { api in
            for key in ["owa", "notes"] {
                for path in Self.productPaths {
                    #expect(try await Self.get(api, key, path, headerKey: key).status == .ok, "\(key)/\(path)")
                }
            }
            expectError(try await Self.get(api, "outlook", "logging"), 400, 1005)
        }
    }

    @Test func keyRegisteredThroughTheAdminAPIIsValidAtOnceAndAudited() async throws {
        try await AdminClient.runBeside { api, admin in
            let token = try await admin.server.accounts.createToken(label: "ci", role: .administrator, by: "test").token
            expectError(try await Self.get(api, "outlook", "logging"), 400, 1005)
            let put = try await admin.api(.put, "/admin/api/settings/products", token: token, json: #"{"productKeys": ["outlook", "owa"]}"#)
            #expect(put.status == .ok)
            #expect(try AdminClient.json(put)["changed"] as? [String] == ["productKeys"])
            let section = try AdminClient.json(try await admin.api(.get, "/admin/api/settings/products", token: token))
            #expect(section["productKeys"] as? [String] == ["outlook", "owa"])
            for path in Self.productPaths {
                #expect(try await Self.get(api, "outlook", path, headerKey: "outlook").status == .ok, "\(path)")
            }
            #expect(try await api.send(.get, "/api/password", headers: ["X-CS-ProductKey": "owa"]).status == .ok)
            let audit = try await admin.server.database.recentAuditEntries(action: "settings.change", since: Date().addingTimeInterval(-60), limit: 10)
            #expect(audit.contains { $0.target == "productKeys" && $0.newValue == #"["outlook","owa"]"# })
            // Removed again: refused again.
            #expect(try await admin.api(.put, "/admin/api/settings/products", token: token, json: #"{"productKeys": []}"#).status == .ok)
            expectError(try await Self.get(api, "outlook", "logging"), 400, 1005)
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-ProductKey": "owa"]), 400, 1004)
            #expect(try await Self.get(api, "server", "logging").status == .ok)
        }
    }

    @Test func badKeysAreRefusedWithTheirField() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "ci", role: .administrator, by: "test").token
            for body in [#"{"productKeys": ["out look"]}"#, #"{"productKeys": ["a/b"]}"#, #"{"productKeys": [""]}"#,
                         #"{"productKeys": ["x", "x"]}"#, #"{"productKeys": ["\#(String(repeating: "k", count: 65))"]}"#, #"{"productKeys": "owa"}"#] {
                let r = try await admin.api(.put, "/admin/api/settings/products", token: token, json: body)
                #expect(r.status == .badRequest, "\(body)")
                let problems = try AdminClient.json(r)["problems"] as? [[String: Any]] ?? []
                #expect(problems.contains { $0["field"] as? String == "productKeys" }, "\(body)")
            }
            #expect(admin.server.settings.current.productKeys.isEmpty)
        }
    }

    @Test func adminPageListsAndSavesKeys() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let page = try await admin.send(.get, "/admin/settings/products")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"name="productKeys""#))
            #expect(page.text.contains("/admin/settings/products"))
            let saved = try await admin.post("/admin/settings/products", [("productKeys", "outlook\r\nnotes\r\n")])
            #expect(saved.status == .seeOther)
            #expect(admin.server.settings.current.productKeys == ["outlook", "notes"])
            let bad = try await admin.post("/admin/settings/products", [("productKeys", "no spaces please")])
            #expect(bad.status == .badRequest)
            #expect(admin.server.settings.current.productKeys == ["outlook", "notes"])
        }
    }
}
