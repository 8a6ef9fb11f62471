import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// CORS (spec §2.9, §4.3) with an origin list.
@Suite struct CORSTests {
    static let settings = #"{"cors": {"mode": "list", "origins": ["https://owa.example.com"]}}"#

    @Test func preflightFromAllowedOriginGetsAllowHeaders() async throws {
        try await TestServer.run(settings: Self.settings) { api in
            let r = try await api.send(.options, "/api/users/alice@example.com/transfer-sessions", rawHeaders: ConventionsTests.fields([
                "Origin": "https://owa.example.com", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-cs-clientid, content-type",
            ]))
            #expect(r.status.code < 300)
            #expect(r.headers[.accessControlAllowOrigin] == "https://owa.example.com")
            let methods = try #require(r.headers[.accessControlAllowMethods])
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] { #expect(methods.contains(method)) }
            let allowed = try #require(r.headers[.accessControlAllowHeaders]).lowercased()
            for header in ["x-cs-clientid", "x-cs-majorapiversion", "x-cs-minimumminorapiversion", "x-cs-productkey",
                           "x-cs-verificationtoken", "x-cs-password", "content-type", "accept-language"] {
                #expect(allowed.contains(header), "\(header)")
            }
        }
    }

    @Test func preflightFromOtherOriginGetsNoAllowHeaders() async throws {
        try await TestServer.run(settings: Self.settings) { api in
            let r = try await api.send(.options, "/api/password", rawHeaders: ConventionsTests.fields([
                "Origin": "https://evil.example.net", "Access-Control-Request-Method": "GET",
            ]))
            #expect(r.headers[.accessControlAllowOrigin] == nil)
            #expect(r.headers[.accessControlAllowMethods] == nil)
            #expect(r.headers[.accessControlAllowHeaders] == nil)
        }
    }

    @Test func actualRequestFromAllowedOriginExposesLocation() async throws {
        try await TestServer.run(settings: Self.settings) { api in
            let r = try await api.send(.get, "/api/password", headers: ["Origin": "https://owa.example.com"])
            #expect(r.status == .ok)
            #expect(r.headers[.accessControlAllowOrigin] == "https://owa.example.com")
            #expect(r.headers[.accessControlExposeHeaders]?.contains("Location") == true)
            // Error responses carry CORS headers too, so browsers can read the error body.
            let e = try await api.send(.get, "/api/password", headers: ["Origin": "https://owa.example.com", "X-CS-MajorApiVersion": "7"])
            expectError(e, 404, 2004)
            #expect(e.headers[.accessControlAllowOrigin] == "https://owa.example.com")
            let other = try await api.send(.get, "/api/password", headers: ["Origin": "https://evil.example.net"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func corsEndpointReportsWhetherOriginIsActive() async throws {
        try await TestServer.run(settings: Self.settings) { api in
            let yes = try await api.send(.get, "/api/products/api.rest/cors", headers: ["Origin": "https://owa.example.com"])
            #expect(yes.status == .ok)
            #expect(yes.data["active"] as? Bool == true)
            let no = try await api.send(.get, "/api/products/api.rest/cors", headers: ["Origin": "https://evil.example.net"])
            #expect(no.data["active"] as? Bool == false)
            expectError(try await api.send(.get, "/api/products/api.rest/cors"), 400, 1002)
        }
    }

    @Test func corsIsOffByDefault() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/products/api.rest/cors", headers: ["Origin": "https://owa.example.com"])
            #expect(r.data["active"] as? Bool == false)
            let g = try await api.send(.get, "/api/password", headers: ["Origin": "https://owa.example.com"])
            #expect(g.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func unknownProductKeyInPathIs1005() async throws {
        try await TestServer.run(settings: Self.settings) { api in
            expectError(try await api.send(.get, "/api/products/nope/cors", headers: ["Origin": "https://owa.example.com"]), 400, 1005)
        }
    }
}

/// Product endpoints (spec §4.4–4.10) and remote logging.
@Suite struct ProductTests {
    @Test func languagePacksList() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/products/api.rest/language-packs")
            #expect(r.status == .ok)
            let packs = r.list
            #expect(!packs.isEmpty)
            let en = try #require(packs.first { $0["id"] as? String == "en-US_1" })
            #expect(en["locale"] as? String == "en-US")
            #expect(en["displayName"] as? String == "English (US)")
            #expect((en["version"] as? String)?.hasPrefix("1.") == true)
            #expect(en.keys.contains("lastChangeTimestamp"))
            #expect(en["href"] as? String == "/api/products/api.rest/language-packs/en-US_1")
            let v1 = try await api.send(.get, "/api/products/api.rest/language-packs?major-version=1")
            #expect(v1.list.count == packs.count)
            let v2 = try await api.send(.get, "/api/products/api.rest/language-packs?major-version=2")
            #expect(v2.status == .ok)
            #expect(v2.list.isEmpty)
            expectError(try await api.send(.get, "/api/products/api.rest/language-packs?major-version=x"), 400, 1004)
        }
    }

    @Test func singleLanguagePackAndUnknownId() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/products/api.rest/language-packs/en-US_1")
            #expect(r.status == .ok)
            #expect(r.data["id"] as? String == "en-US_1")
            expectError(try await api.send(.get, "/api/products/api.rest/language-packs/xx-XX_9"), 404, 1005)
        }
    }

    @Test func languagePackFile() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/products/api.rest/language-packs/de-DE_1/messages.json")
            #expect(r.status == .ok)
            #expect(r.object["data"] == nil)
            #expect(r.object["checksums.fileName"] as? String == "Dateiname")
            let nested = try await api.send(.get, "/api/products/api.rest/language-packs/en-US_1/some/dir/messages.json")
            #expect(nested.status == .ok)
            expectError(try await api.send(.get, "/api/products/api.rest/language-packs/en-US_1/other.json"), 404, 2003)
            expectError(try await api.send(.get, "/api/products/api.rest/language-packs/xx-XX_1/messages.json"), 404, 1005)
        }
    }

    @Test func termsOfUse() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/products/api.rest/legal/terms-of-use")
            #expect(r.status == .ok)
            #expect(r.data["active"] as? Bool == false)
            #expect(r.data.keys.contains("lastChangeTimestamp"))
            let terms = try #require(r.data["terms"] as? [[String: Any]])
            #expect(!terms.isEmpty)
            for term in terms {
                #expect(term["locale"] is String)
                #expect(term["title"] is String)
                #expect(term["content"] is String)
                #expect(["html", "link"].contains(term["type"] as? String))
            }
        }
    }

    @Test func termsFromSettings() async throws {
        let settings = #"{"legal": {"termsActive": true, "terms": [{"locale": "en", "title": "T", "content": "https://example.com/t", "type": "link"}]}}"#
        try await TestServer.run(settings: settings) { api in
            let r = try await api.send(.get, "/api/products/api.rest/legal/terms-of-use")
            #expect(r.data["active"] as? Bool == true)
            let terms = try #require(r.data["terms"] as? [[String: Any]])
            #expect(terms.count == 1)
            #expect(terms.first?["type"] as? String == "link")
            #expect(terms.first?["content"] as? String == "https://example.com/t")
        }
    }

    @Test func imprint() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/products/api.rest/legal/imprint")
            #expect(r.status == .ok)
            #expect((r.data["content"] as? String)?.isEmpty == false)
            #expect(["html", "link"].contains(r.data["type"] as? String))
        }
    }

    @Test func productPathVariableIsValidated() async throws {
        try await TestServer.run { api in
            for path in ["language-packs", "legal/imprint", "legal/terms-of-use", "logging"] {
                expectError(try await api.send(.get, "/api/products/api.unknown/\(path)"), 400, 1005)
            }
        }
    }

    @Test func loggingSettings() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/products/api.rest/logging")
            #expect(r.status == .ok)
            #expect(["trace", "debug", "info", "warn", "error"].contains(r.data["level"] as? String))
            #expect(r.data["remoteLoggingEnabled"] as? Bool == false)
        }
    }

    static let logBody = #"[{"level":"info","message":"hello","timestamp":"2024-05-22T06:57:11+02:00"}]"#

    @Test func remoteLoggingIsForbiddenByDefault() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.post, "/api/logs", json: Self.logBody), 403, 3004)
        }
    }

    @Test func remoteLoggingWhenEnabled() async throws {
        try await TestServer.run(settings: #"{"remoteLogging": {"enabled": true, "level": "warn"}}"#) { api in
            let settings = try await api.send(.get, "/api/products/api.rest/logging")
            #expect(settings.data["remoteLoggingEnabled"] as? Bool == true)
            #expect(settings.data["level"] as? String == "warn")
            let r = try await api.send(.post, "/api/logs", json: Self.logBody)
            #expect(r.status == .created || r.status == .ok)
            #expect(r.body.readableBytes == 0)
            expectError(try await api.send(.post, "/api/logs", json: #"[{"level":"loud","message":"x"}]"#), 400, 1004)
            expectError(try await api.send(.post, "/api/logs", json: #"{"level":"info"}"#), 400, 1004)
            let control = try await api.send(.post, "/api/logs", json: #"[{"level":"error","message":"line\r\nInjected: yes\u0000"}]"#)
            #expect(control.status == .created || control.status == .ok)
        }
    }
}

/// Password utilities (spec §5.1–5.3).
@Suite struct PasswordTests {
    @Test func generatedPasswordValidates() async throws {
        try await TestServer.run { api in
            let g = try await api.send(.get, "/api/password")
            #expect(g.status == .ok)
            let password = try #require(g.data["password"] as? String)
            #expect(password.count >= 8)
            let v = try await api.send(.post, "/api/password", json: #"{"password":\#(JSONText.quote(password))}"#)
            #expect(v.status == .ok)
            #expect(v.data["valid"] as? Bool == true)
            #expect((v.data["rulesNotFulfilled"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func weakPasswordListsFailedRules() async throws {
        try await TestServer.run { api in
            let v = try await api.send(.post, "/api/password", json: #"{"password":"abc"}"#)
            #expect(v.status == .ok)
            #expect(v.data["valid"] as? Bool == false)
            let rules = try #require(v.data["rulesNotFulfilled"] as? [[String: Any]])
            let names = Set(rules.compactMap { $0["name"] as? String })
            #expect(names.contains("minimumLengthRequired"))
            #expect(names.contains("alphabeticalSequenceDeclined"))
            #expect(names.contains("digitsRequired"))
            #expect(names.contains("upperCaseRequired"))
        }
    }

    @Test func fixturePasswordIsValid() async throws {
        try await TestServer.run { api in
            let v = try await api.send(.post, "/api/password", json: #"{"password":"\#(TestData.password)"}"#)
            #expect(v.data["valid"] as? Bool == true, "\(v.text)")
        }
    }

    @Test func validationBodyErrors() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.post, "/api/password"), 400, 1002)
            expectError(try await api.send(.post, "/api/password", json: "{"), 400, 1004)
            expectError(try await api.send(.post, "/api/password", json: #"{"password": 5}"#), 400, 1004)
        }
    }

    @Test func requirementsListLengthRules() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/password/requirements")
            #expect(r.status == .ok)
            let rules = r.list
            let minimum = try #require(rules.first { $0["name"] as? String == "minimumLengthRequired" })
            #expect((minimum["details"] as? [String: Any])?["length"] as? Int == 8)
            let maximum = try #require(rules.first { $0["name"] as? String == "maximumLengthRequired" })
            #expect((maximum["details"] as? [String: Any])?["length"] as? Int == 64)
            let known: Set<String> = ["whitespacesDeclined", "alphabeticalSequenceDeclined", "numericSequenceDeclined", "keyboardSequenceDeclined",
                                      "blacklistedCharactersDeclined", "repeatedCharactersDeclined", "dictionaryWordsDeclined",
                                      "minimumLengthRequired", "maximumLengthRequired", "lettersRequired", "specialCharactersRequired",
                                      "upperCaseRequired", "lowerCaseRequired", "digitsRequired"]
            for rule in rules {
                #expect(known.contains(rule["name"] as? String ?? ""))
                #expect(rule["details"] is [String: Any])
            }
        }
    }

    @Test func requirementsFollowSettings() async throws {
        try await TestServer.run(settings: #"{"password": {"minimumLength": 12, "digitsRequired": false}}"#) { api in
            let rules = try await api.send(.get, "/api/password/requirements").list
            let minimum = try #require(rules.first { $0["name"] as? String == "minimumLengthRequired" })
            #expect((minimum["details"] as? [String: Any])?["length"] as? Int == 12)
            #expect(!rules.contains { $0["name"] as? String == "digitsRequired" })
            let g = try await api.send(.get, "/api/password")
            #expect(((g.data["password"] as? String) ?? "").count >= 12)
        }
    }
}
