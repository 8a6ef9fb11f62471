import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// Hostile input: oversized headers, NULs, traversal attempts and file names that look like paths.
@Suite struct HostileInputTests {
    let alice = "alice@example.com"

    @Test func hugeHeaderValuesAreRefusedCleanly() async throws {
        try await TestServer.run { api in
            let big = String(repeating: "A", count: 200_000)
            let clientId = try await api.send(.get, "/api/password", clientId: big)
            expectError(clientId, 400, 1004)
            let version = try await api.send(.get, "/api/password", headers: ["X-CS-MajorApiVersion": big])
            expectError(version, 400, 1004)
            let token = try await api.send(.get, "/api/users/\(alice)/verification", token: big)
            #expect(token.status == .ok)
            #expect(token.data["verified"] as? Bool == false)
            let language = try await api.send(.get, "/api/password", headers: ["Accept-Language": big])
            #expect(language.status == .ok)
            let origin = try await api.send(.get, "/api/products/api.rest/cors", headers: ["Origin": big])
            #expect(origin.data["active"] as? Bool == false)
        }
    }

    /// Degenerate `Accept-Language` values (found by schemathesis: `;` crashed the parser) fall back to English.
    @Test(arguments: [";", ",", ";q=0.5", " ", ",,;", "de;", "*"])
    func degenerateAcceptLanguageFallsBack(value: String) async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, "/api/password", headers: ["Accept-Language": value])
            #expect(r.status == .ok)
        }
    }

    @Test func hugePasswordHeaderIsAWrongPassword() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)", password: String(repeating: "p", count: 200_000))
            expectError(r, 401, 3003)
        }
    }

    @Test func nulInJSONStrings() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let create = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token,
                                            json: #"{"sender":{"name":"A\u0000B"},"recipients":{"to":[{"mail":"bob\u0000@example.org"}]}}"#)
            expectError(create, 400, 1004)
            let id = try await api.createSession(alice, token: token)
            let patch = try await api.send(.patch, "/api/users/\(alice)/transfer-sessions/\(id)", token: token,
                                           json: #"{"notificationMessage":{"subject":"a\u0000b","body":"x"},"sender":{"name":"N\u0000ul"}}"#)
            #expect(patch.status.code < 500)
            let code = try await api.send(.post, "/api/users/\(alice)/verification/token", json: #"{"verificationCode":"AAAA\u0000AAAAA"}"#)
            expectError(code, 403, 3002)
            let password = try await api.send(.post, "/api/password", json: #"{"password":"Ab1!\u0000xyzQ"}"#)
            #expect(password.status == .ok)
            // Raw invalid UTF-8 in a body.
            let raw = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: token,
                                         headers: ["Content-Type": "application/json"], bytes: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
            expectError(raw, 400, 1004)
        }
    }

    @Test func deeplyNestedJSONIsRefused() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: token, json: #"{"recipients":\#(nested)}"#)
            expectError(r, 400, 1004)
        }
    }

    @Test(arguments: [
        "/api/transfers/..%2F..%2Fetc%2Fpasswd",
        "/api/transfers/..%2F..",
        "/api/transfers/%2E%2E%2F%2E%2E",
        "/api/users/alice@example.com/transfer-sessions/..%2F..%2F..%2Fserver.key",
        "/api/users/..%2F..%2Fserver.key/verification",
        "/api/products/..%2F..%2Fserver.key/language-packs",
        "/api/products/api.rest/language-packs/..%2F..%2Fserver.key",
        "/api/products/api.rest/language-packs/en-US_1/..%2F..%2F..%2Fserver.key",
        "/api/products/api.rest/language-packs/en-US_1/../../../../server.key",
        "/api/transfers/ABCDEFGHJK/files/..%2F..%2Fserver.key",
    ])
    func traversalInPathVariablesNeverReachesFiles(uri: String) async throws {
        try await TestServer.run { api in
            let r = try await api.send(.get, uri, token: "t", password: "p")
            #expect([400, 403, 404].contains(r.status.code), "\(uri) → \(r.status.code)")
            #expect(r.errorCode != nil, "\(uri) → \(r.text.prefix(200))")
            #expect(!r.text.contains("PRIVATE KEY"))
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func pathLikeFileNameIsADisplayNameOnly() async throws {
        try await TestServer.run { api in
            let name = "../../etc/passwd"
            let sent = try await api.sendTransfer(files: [(name, Array("root:x:0:0".utf8)), ("..\\..\\boot.ini", [1])])
            let list = try await api.send(.get, "/api/transfers/\(sent.transferId)/files", password: sent.password)
            #expect(list.list.contains { $0["fileName"] as? String == name })
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])", password: sent.password)
            #expect(r.status == .ok)
            #expect(r.text == "root:x:0:0")
            let disposition = try #require(r.headers[.contentDisposition])
            #expect(disposition.contains("filename*=UTF-8''..%2F..%2Fetc%2Fpasswd"), "\(disposition)")
            // In the ZIP every entry is one path component.
            let zip = try await api.send(.get, "/api/transfers/\(sent.transferId)/zip", password: sent.password)
            let entries = RecipientTests.zipEntries(zip.bytes)
            #expect(entries.count == 2)
            for entry in entries {
                #expect(!entry.contains("/") && !entry.contains("\\"), "\(entry)")
                #expect(entry != ".." && !entry.hasPrefix("/"))
            }
            // On disk only server-generated names exist.
            let allowed = try Regex(#"^(sealdrop\.sqlite(-wal|-shm|-journal)?|server\.key|store|store/blobs|store/tmp|store/partial|store/partial/[0-9]{8}-[0-9]{6}-[A-Za-z0-9]{8}\.[A-Za-z0-9]{10}\.part|mail|mail/.*\.eml|store/blobs/[0-9]{8}-[0-9]{6}-[A-Za-z0-9]{8}(/[A-Za-z0-9]{10}\.blob)?)$"#)
            for entry in api.dataDirectoryEntries() {
                #expect(entry.wholeMatch(of: allowed) != nil, "unexpected \(entry)")
                #expect(!entry.contains("passwd") && !entry.contains("boot.ini"))
            }
        }
    }

    @Test func headerInjectionInFileNameIsNeutralized() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: [("evil\r\nSet-Cookie: x=1\".txt", [1, 2])])
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])", password: sent.password)
            #expect(r.status == .ok)
            #expect(r.headers[HTTPField.Name("Set-Cookie")!] == nil)
            let disposition = try #require(r.headers[.contentDisposition])
            #expect(!disposition.contains("\r") && !disposition.contains("\n"))
        }
    }

    @Test func csvFormulaInjectionIsDefused() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: [("=cmd|' /C calc'!A0", [1])])
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/checksums", password: sent.password)
            #expect(r.text.contains("'=cmd"))
        }
    }

    @Test func htmlInSenderDataIsEscapedInMailRenderings() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer { token, trackingId in
                let r = try await api.send(.patch, "/api/users/alice@example.com/transfer-sessions/\(trackingId)", token: token,
                                           json: #"{"notificationMessage":{"subject":"<script>alert(1)</script>","body":"<img src=x onerror=alert(1)>"}}"#)
                #expect(r.status == .ok)
            }
            for path in ["sent", "recipients/\(sent.transferId)"] {
                let r = try await api.send(.post, "/api/users/\(alice)/transfers/\(sent.trackingId)/emails/\(path)", token: sent.token)
                #expect(r.status == .ok)
                #expect(!r.text.contains("<script>"))
                #expect(!r.text.contains("<img"))
            }
        }
    }

    @Test func wrongMethodsAndOddPathsAre1006() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.put, "/api/clients"), 404, 1006)
            expectError(try await api.send(.get, "/api/"), 404, 1006)
            expectError(try await api.send(.get, "/api/transfers"), 404, 1006)
        }
    }

    @Test func hugeDeclaredSizeIsRefused() async throws {
        try await TestServer.run(settings: #"{"policy": {"maxTotalSize": 100}}"#) { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let body = #"{"fileName":"x","size":9223372036854775807}"#
            expectError(try await api.send(.post, "/api/users/\(alice)/transfer-sessions/\(id)/files", token: token, json: body), 409, 2001)
        }
    }

    /// Registering Int64.max bytes next to an existing file must be a 409, not an arithmetic-overflow trap.
    /// Run in a child process (exit test) so a crash shows up as a failed expectation instead of killing the run.
    @Test func declaredSizeSumDoesNotOverflow() async throws {
        await #expect(processExitsWith: .success) {
            try await TestServer.run(settings: #"{"policy": {"maxTotalSize": 100}}"#) { api in
                let sender = "alice@example.com"
                let token = try await api.verify(sender)
                let id = try await api.createSession(sender, token: token)
                _ = try await api.registerFile(sender, token: token, trackingId: id, name: "a", size: 100)
                let overflow = try await api.send(.post, "/api/users/\(sender)/transfer-sessions/\(id)/files", token: token,
                                                  json: #"{"fileName":"b","size":9223372036854775807}"#)
                if !overflow.isError(409, 2001) { exit(3) }
            }
        }
    }

    @Test func queryParameterPasswordAndHeaderTogether() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            // The header wins over the query parameter.
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)?password=wrong", password: sent.password)
            #expect(r.status == .ok)
        }
    }
}
