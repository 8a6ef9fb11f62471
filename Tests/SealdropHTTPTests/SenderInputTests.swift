import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SealdropCore
@testable import SealdropHTTP
import Testing

/// What senders type and hold, end to end: names and file names shown safely on pages and in mails,
/// removed identities revoked on the server, verification codes limited per source.
@Suite struct SenderInputTests {
    typealias Browser = RetrievePagesTests.Browser

    @Test func removingAnIdentityRevokesItsTokenOnTheServer() async throws {
        try await TestServer.run { api in
            let browser = Browser(api)
            try await SenderPagesTests().verify(browser, "alice@example.com")
            let token = try #require(browser.cookies["verification_token0"])
            let clientId = try #require(browser.cookies["client_id"])
            let before = try await api.send(.get, "/api/users/alice@example.com/verification", clientId: clientId, token: token)
            #expect(before.data["verified"] as? Bool == true)

            let page = try await browser.request(.get, "/sender")
            let removed = try await browser.request(.post, "/sender/remove", form: ["csrf": try browser.csrf(in: page), "index": "0"])
            #expect(removed.status == .seeOther)
            #expect(browser.cookies["verification_token0"] == nil)

            let after = try await api.send(.get, "/api/users/alice@example.com/verification", clientId: clientId, token: token)
            #expect(after.data["verified"] as? Bool == false)
            let create = try await api.send(.post, "/api/users/alice@example.com/transfer-sessions", clientId: clientId, token: token,
                                            json: #"{"recipients":{"to":[{"mail":"bob@example.org"}]}}"#)
            expectError(create, 403, 3002)
        }
    }

    @Test func aSenderNameWithCRLFStaysOneLineInTheTextMail() async throws {
        try await TestServer.run { api in
            let token = try await api.verify("alice@example.com")
            let r = try await api.send(.post, "/api/users/alice@example.com/transfer-sessions", token: token, json: """
                {"sender":{"name":"Alice\\r\\nBcc: mallory@example.com\\r\\n\\r\\nPlease also open https://evil.example","phone":"+49\\r\\nTransfer ID: FAKE"},
                 "recipients":{"to":[{"mail":"bob@example.org"}]}}
                """)
            #expect(r.status == .created)
            let trackingId = String(try #require(r.headers[.location]?.split(separator: "/").last))
            _ = try await api.addFile("alice@example.com", token: token, trackingId: trackingId, name: "a.txt", bytes: Array("x".utf8))
            try await api.setPassword("alice@example.com", token: token, trackingId: trackingId, password: TestData.password)
            _ = try await api.finalize("alice@example.com", token: token, trackingId: trackingId)
            let mail = try #require(try await api.server.database.recentMessages(limit: 20).first { $0.kind == "recipient-notification" })
            let text = try #require(MailText.body(of: mail))
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(!lines.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("Please also open") || $0.hasPrefix("Transfer ID: FAKE") }, "\(text)")
            #expect(lines.contains { $0.hasPrefix("Alice Bcc: mallory@example.com Please also open https://evil.example <alice@example.com>") })
        }
    }

    @Test func aFileNameWithABidiOverrideIsStoredAndShownWithoutIt() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: [("invoice\u{202E}fdp.exe", Array("MZ".utf8))])
            let files = try await api.send(.get, "/api/transfers/\(sent.transferId)/files", password: sent.password)
            #expect(files.list.first?["fileName"] as? String == "invoicefdp.exe")

            let browser = Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            _ = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": try browser.csrf(in: form)])
            let page = try await browser.request(.get, "/download/files?id=\(sent.transferId)")
            #expect(page.text.contains("invoicefdp.exe"))
            #expect(!page.text.unicodeScalars.contains("\u{202E}"))
            let mails = try await api.server.database.recentMessages(limit: 20)
            for mail in mails where mail.kind != "verification-code" {
                #expect(!(MailText.body(of: mail) ?? "").unicodeScalars.contains("\u{202E}"))
                #expect((MailText.body(of: mail) ?? "").contains("invoicefdp.exe") || mail.kind != "recipient-notification")
            }
        }
    }

    /// Names stored before input was cleaned are still shown without their override on the pages.
    @Test func aStoredNameWithABidiOverrideIsShownWithoutIt() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let trackingId = try #require(TrackingID(rawValue: sent.trackingId))
            try await api.server.database.insertFile(FileRecord(trackingId: trackingId, fileId: FileID.random(), fileName: "old\u{202E}fdp.exe", size: 1,
                                                                declaredChecksum: nil, state: .active, createdAt: Date()))
            let browser = Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            _ = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": try browser.csrf(in: form)])
            let page = try await browser.request(.get, "/download/files?id=\(sent.transferId)")
            #expect(page.text.contains("oldfdp.exe"))
            #expect(!page.text.unicodeScalars.contains("\u{202E}"))
        }
    }

    @Test func zipEntriesAreSafeWindowsNames() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: [("CON.txt", Array("a".utf8)), ("notes:secret.txt", Array("b".utf8)), ("nul", Array("c".utf8))])
            let zip = try await api.send(.get, "/api/transfers/\(sent.transferId)/zip", password: sent.password)
            #expect(zip.status == .ok)
            let text = String(decoding: zip.bytes, as: UTF8.self)
            for name in ["_CON.txt", "notes_secret.txt", "_nul"] { #expect(text.contains(name), "\(name)") }
        }
    }

    /// Over a real connection the client's address reaches the limits: fresh client ids from one address
    /// are cut at the per-source limit.
    @Test func codeRequestsFromOneAddressAreCutWhateverTheClientIds() async throws {
        let test = try TestServer.make(settings: #"{"verification": {"maxCodeRequestsPerSourcePer10Minutes": 4}}"#)
        defer { try? FileManager.default.removeItem(atPath: test.directory) }
        let app = Application(router: test.server.userRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              logger: AdminClient.quiet)
        try await app.test(.live) { client in
            let api = API(client: client, server: test.server, dataDirectory: test.directory + "/data")
            var statuses: [Int] = []
            for i in 0..<8 {
                let r = try await api.send(.post, "/api/users/victim\(i)@example.com/verification/code/email", clientId: API.newClientId())
                statuses.append(Int(r.status.code))
                if r.status.code == 429 { expectError(r, 429, 2007) }
            }
            #expect(statuses == [200, 200, 200, 200, 429, 429, 429, 429])
        }
    }
}
