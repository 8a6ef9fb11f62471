import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// `X-CS-Password` is URL-encoded by clients (spec §2.2), as is the `password` query parameter: both are
/// percent-decoded on every recipient endpoint, `+` is a plus, and a raw value that is no valid encoding still works.
@Suite struct RecipientPasswordEncodingTests {
    /// Spaces are allowed so the space case can be tested; the rest is the default policy.
    static let settings = #"{"password": {"whitespacesDeclined": false}}"#

    /// Passwords valid under `settings`, together holding `# % & + = ? /`, a space, umlauts and an emoji;
    /// `%41` would decode to `A` if the password were sent unencoded.
    static let passwords = [
        "Vt7#kRm2%pQz", "Vt7&kRm2+pQz=", "Vt7?kRm2/pQz", "Vt7 kRm2!pQz", "Vt7Äkröm2!ßz", "Vt7🔐kRm2!pQz", "Vt7%41kRm2!pQz",
    ]

    /// Percent-encodes everything but RFC 3986 unreserved characters, as a careful client does.
    static func encoded(_ password: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return password.addingPercentEncoding(withAllowedCharacters: unreserved)!
    }

    /// Sends a transfer protected by `password` and returns its transfer id and only file id.
    static func send(_ api: API, password: String) async throws -> (transferId: String, fileId: String) {
        let sender = "alice@example.com"
        let token = try await api.verify(sender)
        let trackingId = try await api.createSession(sender, token: token)
        let fileId = try await api.addFile(sender, token: token, trackingId: trackingId, name: "a.txt", bytes: Array("abc".utf8))
        let check = try await api.send(.post, "/api/password", json: #"{"password":\#(JSONText.quote(password))}"#)
        try #require(check.data["valid"] as? Bool == true, "\(password): \(check.text)")
        try await api.setPassword(sender, token: token, trackingId: trackingId, password: password)
        let transferId = try #require(try await api.finalize(sender, token: token, trackingId: trackingId).first)
        return (transferId, fileId)
    }

    @Test(arguments: passwords)
    func anEncodedPasswordOpensEveryRecipientEndpointByHeaderAndByQuery(password: String) async throws {
        try await TestServer.run(settings: Self.settings) { api in
            let (transferId, fileId) = try await Self.send(api, password: password)
            let encoded = Self.encoded(password)
            for path in ["", "/files", "/files/\(fileId)", "/zip"] {
                let uri = "/api/transfers/\(transferId)\(path)"
                let viaHeader = try await api.send(.get, uri, password: encoded)
                #expect(viaHeader.status == .ok, "header \(path) \(password): \(viaHeader.text)")
                let viaQuery = try await api.send(.get, uri + "?password=" + encoded)
                #expect(viaQuery.status == .ok, "query \(path) \(password): \(viaQuery.text)")
            }
            #expect(try await api.send(.get, "/api/transfers/\(transferId)/files/\(fileId)", password: encoded).text == "abc")
        }
    }

    /// Percent-decoding only: a raw `+` is a plus in the header as in the query, `%2B` is one too, and
    /// `+` never stands for a space.
    @Test func aPlusIsAPlusNotASpace() async throws {
        try await TestServer.run(settings: Self.settings) { api in
            let plus = try await Self.send(api, password: "Vt7+kRm2!pQz")
            #expect(try await api.send(.get, "/api/transfers/\(plus.transferId)", password: "Vt7+kRm2!pQz").status == .ok)
            #expect(try await api.send(.get, "/api/transfers/\(plus.transferId)", password: "Vt7%2BkRm2!pQz").status == .ok)
            #expect(try await api.send(.get, "/api/transfers/\(plus.transferId)?password=Vt7+kRm2!pQz").status == .ok)
            let space = try await Self.send(api, password: "Vt7 kRm2!pQz")
            expectError(try await api.send(.get, "/api/transfers/\(space.transferId)", password: "Vt7+kRm2!pQz"), 401, 3003)
        }
    }

    /// Backwards compatibility: a raw header that is no valid encoding (`%` not followed by two hex digits) is
    /// taken as it is; one that decodes is decoded, because the contract says the header is encoded.
    @Test func aRawPasswordIsTakenAsItIsOnlyWhenItIsNoValidEncoding() async throws {
        try await TestServer.run(settings: Self.settings) { api in
            let raw = try await Self.send(api, password: "Vt7%kRm2!pQz")
            #expect(try await api.send(.get, "/api/transfers/\(raw.transferId)/files", password: "Vt7%kRm2!pQz").status == .ok)
            let decodable = try await Self.send(api, password: "Vt7%41kRm2!pQz")
            expectError(try await api.send(.get, "/api/transfers/\(decodable.transferId)", password: "Vt7%41kRm2!pQz"), 401, 3003)
            #expect(try await api.send(.get, "/api/transfers/\(decodable.transferId)", password: "Vt7%2541kRm2!pQz").status == .ok)
        }
    }
}
