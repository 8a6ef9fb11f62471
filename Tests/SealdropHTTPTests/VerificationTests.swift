import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// Sender verification (spec §5.4–5.6, §2.8).
@Suite struct VerificationTests {
    let alice = "alice@example.com"

    @Test func statusUnverifiedThenVerified() async throws {
        try await TestServer.run { api in
            let before = try await api.send(.get, "/api/users/\(alice)/verification")
            #expect(before.status == .ok)
            #expect(before.data["verified"] as? Bool == false)
            #expect(before.data["validUntil"] == nil || before.data["validUntil"] is NSNull)
            #expect(before.data["verificationMethods"] as? [String] == ["EMAIL"])
            // An empty token header counts as absent.
            let empty = try await api.send(.get, "/api/users/\(alice)/verification", token: "")
            #expect(empty.data["verified"] as? Bool == false)

            let token = try await api.verify(alice)
            let after = try await api.send(.get, "/api/users/\(alice)/verification", token: token)
            #expect(after.data["verified"] as? Bool == true)
            let until = try #require(after.data["validUntil"] as? String)
            #expect(until.contains("T"))
            #expect(after.data["verificationMethods"] as? [String] == ["EMAIL"])
            // The same token is not a verification for another address or client id.
            let other = try await api.send(.get, "/api/users/carol@example.com/verification", token: token)
            #expect(other.data["verified"] as? Bool == false)
            let otherClient = try await api.send(.get, "/api/users/\(alice)/verification", clientId: API.otherClientId, token: token)
            #expect(otherClient.data["verified"] as? Bool == false)
        }
    }

    @Test func tokenResponseShape() async throws {
        try await TestServer.run { api in
            let code = try await api.requestCode(alice)
            #expect(code.count == 10)
            let r = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"\#(code)"}"#)
            #expect(r.status == .ok)
            #expect((r.data["token"] as? String)?.isEmpty == false)
            #expect(r.data["validUntil"] is String)
            // A code is single-use.
            let again = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"\#(code)"}"#)
            expectError(again, 403, 3002)
        }
    }

    @Test func codeRequestHasEmptyBodyAndMailsTheAddress() async throws {
        try await TestServer.run { api in
            let r = try await api.send(.post, "/api/users/\(alice)/verification/code/email", headers: ["Accept-Language": "de-DE"])
            #expect(r.status == .ok)
            #expect(r.body.readableBytes == 0)
            let mail = try #require(try await api.server.database.recentMessages(limit: 1).first)
            #expect(mail.kind == "verification-code")
            #expect(mail.envelopeTo == [alice])
            #expect(mail.subject == "Ihr Verifizierungscode")
        }
    }

    @Test func wrongCodeIs3002() async throws {
        try await TestServer.run { api in
            _ = try await api.requestCode(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"AAAAAAAAAA"}"#)
            expectError(r, 403, 3002)
        }
    }

    @Test func tokenWithoutCodeForUnregisteredClientIs3002() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/token"), 403, 3002)
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/token", json: "{}"), 403, 3002)
        }
    }

    @Test func codeIsOnlyUsableByTheRequestingClient() async throws {
        try await TestServer.run { api in
            let code = try await api.requestCode(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/verification/token", clientId: API.otherClientId,
                                       json: #"{"verificationCode":"\#(code)"}"#)
            expectError(r, 403, 3002)
            // The rightful client can still redeem it.
            let ok = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"\#(code)"}"#)
            #expect(ok.status == .ok)
        }
    }

    @Test func codeForAnotherAddressIsRefused() async throws {
        try await TestServer.run { api in
            let code = try await api.requestCode(alice)
            let r = try await api.send(.post, "/api/users/carol@example.com/verification/token", json: #"{"verificationCode":"\#(code)"}"#)
            expectError(r, 403, 3002)
        }
    }

    @Test func newCodeInvalidatesEarlierOne() async throws {
        try await TestServer.run { api in
            let first = try await api.requestCode(alice)
            var second = try await api.requestCode(alice)
            if second == first { second = try await api.requestCode(alice) }
            let r = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"\#(first)"}"#)
            expectError(r, 403, 3002)
            let ok = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"\#(second)"}"#)
            #expect(ok.status == .ok)
        }
    }

    @Test func fiveWrongCodesBurnTheRightOne() async throws {
        try await TestServer.run { api in
            let code = try await api.requestCode(alice)
            for _ in 0..<5 {
                let r = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"WRONGWRONG"}"#)
                expectError(r, 403, 3002)
            }
            let r = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"\#(code)"}"#)
            expectError(r, 403, 3002)
        }
    }

    @Test func codeRequestsAreRateLimited() async throws {
        try await TestServer.run { api in
            for i in 0..<5 {
                let r = try await api.send(.post, "/api/users/\(alice)/verification/code/email")
                #expect(r.status == .ok, "request \(i + 1)")
            }
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/code/email"), 429, 2007)
            // Another client id does not escape the per-address limit.
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/code/email", clientId: API.otherClientId), 429, 2007)
            // Another address is not affected.
            #expect(try await api.send(.post, "/api/users/carol@example.com/verification/code/email").status == .ok)
        }
    }

    @Test func tokenRequestsAreRateLimited() async throws {
        try await TestServer.run { api in
            var statuses: [Int] = []
            for _ in 0..<40 {
                let r = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"WRONGWRONG"}"#)
                statuses.append(r.status.code)
                if r.status.code == 429 { expectError(r, 429, 2007) }
            }
            #expect(statuses.contains(429))
        }
    }

    @Test func foreignTokenIsRefusedOnProtectedEndpoints() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let body = #"{"recipients":["bob@example.org"]}"#
            #expect(try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: token, json: body).status == .ok)
            // Token of alice used for carol.
            expectError(try await api.send(.post, "/api/users/carol@example.com/transfer-policy", token: token, json: body), 403, 3002)
            // Token of alice with another client id.
            expectError(try await api.send(.post, "/api/users/\(alice)/transfer-policy", clientId: API.otherClientId, token: token, json: body), 403, 3002)
            // No token, empty token, garbage token.
            expectError(try await api.send(.post, "/api/users/\(alice)/transfer-policy", json: body), 403, 3002)
            expectError(try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: "", json: body), 403, 3002)
            expectError(try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: "garbage", json: body), 403, 3002)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers", token: "garbage"), 403, 3002)
        }
    }

    @Test func tokenInQueryParameterIsAccepted() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.get, "/api/users/\(alice)/transfers?verification-token=\(token)")
            #expect(r.status == .ok)
        }
    }

    static let registeredId = String(repeating: "R7", count: 32)

    @Test func registeredClientIdVerifiesWithoutCode() async throws {
        let settings = #"{"verification": {"registeredClientIds": {"\#(Self.registeredId)": "test"}}}"#
        try await TestServer.run(settings: settings) { api in
            let status = try await api.send(.get, "/api/users/\(alice)/verification", clientId: Self.registeredId)
            #expect(Set(status.data["verificationMethods"] as? [String] ?? []) == ["EMAIL", "CLIENT_ID"])
            let r = try await api.send(.post, "/api/users/\(alice)/verification/token", clientId: Self.registeredId)
            #expect(r.status == .ok)
            let token = try #require(r.data["token"] as? String)
            let after = try await api.send(.get, "/api/users/\(alice)/verification", clientId: Self.registeredId, token: token)
            #expect(after.data["verified"] as? Bool == true)
            #expect((after.data["verificationMethods"] as? [String])?.contains("CLIENT_ID") == true)
            // With a JSON body without a code as well.
            #expect(try await api.send(.post, "/api/users/\(alice)/verification/token", clientId: Self.registeredId, json: "{}").status == .ok)
            // An unregistered client id still needs a code.
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/token"), 403, 3002)
        }
    }

    @Test func emailVerificationDisabled() async throws {
        try await TestServer.run(settings: #"{"verification": {"emailVerificationEnabled": false}}"#) { api in
            let status = try await api.send(.get, "/api/users/\(alice)/verification")
            #expect(status.data["verificationMethods"] as? [String] == [])
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/code/email"), 403, 3002)
        }
    }

    @Test(arguments: ["not-an-email", "a@b@c.com", "alice@", "@example.com", "alice%20x@example.com", "alice@exa_mple.com"])
    func malformedEmailInPathIs1005(email: String) async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, "/api/users/\(email)/verification"), 400, 1005)
            expectError(try await api.send(.post, "/api/users/\(email)/verification/code/email"), 400, 1005)
            expectError(try await api.send(.post, "/api/users/\(email)/verification/token", json: #"{"verificationCode":"AAAAAAAAAA"}"#), 400, 1005)
            expectError(try await api.send(.post, "/api/users/\(email)/transfer-sessions", token: "x", json: "{}"), 400, 1005)
        }
    }

    @Test func malformedTokenBodyIs1004() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/token", json: "[1,2"), 400, 1004)
            expectError(try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode": 12}"#), 400, 1004)
        }
    }
}
