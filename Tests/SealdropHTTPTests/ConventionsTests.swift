import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// The REST conventions of spec §2: version headers, product key, client id, envelope, status and unknown routes.
@Suite struct ConventionsTests {
    /// Headers built from name/value pairs, without any defaults.
    static func fields(_ pairs: [String: String]) -> HTTPFields {
        var h = HTTPFields()
        for (name, value) in pairs { h[HTTPField.Name(name)!] = value }
        return h
    }

    @Test func missingMajorVersionIs1002() async throws {
        try await TestServer.run { api in
            var h = api.headers()
            h[HTTPField.Name("X-CS-MajorApiVersion")!] = nil
            expectError(try await api.send(.get, "/api/password", rawHeaders: h), 400, 1002)
        }
    }

    @Test func missingMinorVersionIs1002() async throws {
        try await TestServer.run { api in
            var h = api.headers()
            h[HTTPField.Name("X-CS-MinimumMinorApiVersion")!] = nil
            expectError(try await api.send(.get, "/api/password", rawHeaders: h), 400, 1002)
        }
    }

    @Test(arguments: ["one", "1.5", "-1", "99999999999999999999999"])
    func nonIntegerMajorVersionIs1004(value: String) async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-MajorApiVersion": value]), 400, 1004)
        }
    }

    @Test(arguments: ["x", "15a", "-3"])
    func nonIntegerMinorVersionIs1004(value: String) async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-MinimumMinorApiVersion": value]), 400, 1004)
        }
    }

    @Test func majorVersionTwoIs2004() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-MajorApiVersion": "2"]), 404, 2004)
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-MajorApiVersion": "0"]), 404, 2004)
        }
    }

    @Test func minimumMinorAboveServerIs2004AndLowerMinorsAreServed() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-MinimumMinorApiVersion": "16"]), 404, 2004)
            for minor in ["15", "10", "8", "0"] {
                let r = try await api.send(.get, "/api/password", headers: ["X-CS-MinimumMinorApiVersion": minor])
                #expect(r.status == .ok, "minor \(minor)")
            }
        }
    }

    @Test func queryParameterAlternativesAreAccepted() async throws {
        try await TestServer.run { api in
            let uri = "/api/password?major-api-version=1&minimum-minor-api-version=10&product-key=api.rest&client-id=\(api.clientId)"
            let r = try await api.send(.get, uri, rawHeaders: [:])
            #expect(r.status == .ok)
            #expect((r.data["password"] as? String)?.isEmpty == false)
            let bad = try await api.send(.get, "/api/password?major-api-version=1&minimum-minor-api-version=99&client-id=\(api.clientId)", rawHeaders: [:])
            expectError(bad, 404, 2004)
            let badKey = try await api.send(.get, "/api/password?major-api-version=1&minimum-minor-api-version=10&product-key=nope&client-id=\(api.clientId)", rawHeaders: [:])
            expectError(badKey, 400, 1004)
        }
    }

    @Test func unknownProductKeyIs1004() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/password", headers: ["X-CS-ProductKey": "api.other"]), 400, 1004)
        }
    }

    @Test func productKeyDefaultsToApiRest() async throws {
        try await TestServer.run { api in
            var h = api.headers()
            h[HTTPField.Name("X-CS-ProductKey")!] = nil
            let r = try await api.send(.get, "/api/password", rawHeaders: h)
            #expect(r.status == .ok)
        }
    }

    @Test func missingClientIdIs1002() async throws {
        try await TestServer.run { api in
            var h = api.headers()
            h[HTTPField.Name("X-CS-ClientId")!] = nil
            expectError(try await api.send(.get, "/api/password", rawHeaders: h), 400, 1002)
            expectError(try await api.send(.get, "/api/products/api.rest/language-packs", rawHeaders: h), 400, 1002)
            expectError(try await api.send(.get, "/api/transfers/ABCDEFGHJK", rawHeaders: h), 400, 1002)
            expectError(try await api.send(.get, "/api/users/alice@example.com/verification", rawHeaders: h), 400, 1002)
        }
    }

    @Test func emptyClientIdCountsAsMissing() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/password", clientId: ""), 400, 1002)
        }
    }

    @Test(arguments: ["short", String(repeating: "a", count: 49), String(repeating: "a", count: 4001),
                      String(repeating: "a", count: 60) + "-", String(repeating: "ä", count: 60)])
    func malformedClientIdIs1004(clientId: String) async throws {
        try await TestServer.run { api in
            var h = api.headers()
            h[HTTPField.Name("X-CS-ClientId")!] = clientId
            expectError(try await api.send(.get, "/api/password", rawHeaders: h), 400, 1004)
        }
    }

    @Test func clientsWorksWithoutClientIdAndReturnsAValidOne() async throws {
        try await TestServer.run { api in
            var h = api.headers()
            h[HTTPField.Name("X-CS-ClientId")!] = nil
            let r = try await api.send(.get, "/api/clients", rawHeaders: h)
            #expect(r.status == .ok)
            #expect(r.object["meta"] as? [String: Any] != nil)
            let id = try #require(r.data["clientId"] as? String)
            #expect((50...4000).contains(id.count))
            #expect(id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            // The new id is immediately usable.
            #expect(try await api.send(.get, "/api/password", clientId: id).status == .ok)
            // Versions are still required there.
            expectError(try await api.send(.get, "/api/clients", rawHeaders: [:]), 400, 1002)
        }
    }

    @Test func unknownRouteIs1006() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/nothing-here"), 404, 1006)
            expectError(try await api.send(.get, "/api/users/alice@example.com/nothing"), 404, 1006)
            expectError(try await api.send(.delete, "/api/password"), 404, 1006)
        }
    }

    @Test func statusNeedsNoHeadersAndHasNoEnvelope() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/status", rawHeaders: [:])
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            let object = r.object
            #expect(object["data"] == nil)
            let versions = try #require((object["apiVersions"] as? [String: Any])?["uiApiVersions"] as? [[String: Any]])
            #expect(versions.count == 1)
            #expect(versions.first?["major"] as? Int == 1)
            #expect(versions.first?["minor"] as? Int == 15)
            #expect(r.text == #"{"apiVersions":{"uiApiVersions":[{"major":1,"minor":15}]}}"#)
        }
    }

    @Test func openAPIDescriptionIsServed() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/openapi.yaml", rawHeaders: [:])
            #expect(r.status == .ok)
            #expect(r.text.contains("openapi"))
            #expect(r.text.contains("/transfers"))
        }
    }

    @Test func successEnvelopeHasDataAndEmptyMeta() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/password/requirements")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(r.object["data"] is [Any])
            let meta = try #require(r.object["meta"] as? [String: Any])
            #expect(meta.isEmpty)
        }
    }

    @Test func errorBodyIsNotWrapped() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/password", headers: ["X-CS-MajorApiVersion": "2"])
            #expect(r.object["data"] == nil)
            #expect(Set(r.object.keys) == ["errorCode", "errorMessage"])
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func securityHeadersAreSet() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/password")
            #expect(r.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test func emailInPathMayBePercentEncodedAndIsCaseInsensitive() async throws {
        try await TestServer.run { api in
            let token = try await api.verify("alice@example.com")
            let encoded = try await api.send(.get, "/api/users/alice%40example.com/verification", token: token)
            #expect(encoded.data["verified"] as? Bool == true)
            let upper = try await api.send(.get, "/api/users/ALICE@Example.COM/verification", token: token)
            #expect(upper.data["verified"] as? Bool == true)
        }
    }
}
