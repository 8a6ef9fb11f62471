import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import SealdropHTTP
import Testing

/// The upload page and its JSON API: identity required, CSRF header and JSON content type required,
/// chunks at the right offset only, the send step with its options, and hostile input.
@Suite struct UploadPagesTests {
    typealias Browser = RetrievePagesTests.Browser

    /// A verified browser on the upload page; returns the page's CSRF token.
    func ready(_ api: API, _ email: String = "alice@example.com") async throws -> (Browser, String) {
        let browser = Browser(api)
        try await SenderPagesTests().verify(browser, email)
        let page = try await browser.request(.get, "/upload?to=bob@example.org&notificationSubject=Hello%20there")
        #expect(page.status == .ok)
        let token = try #require(page.text.firstMatch(of: /data-csrf="([A-Za-z0-9_-]+)"/)).1
        return (browser, String(token))
    }

    func call(_ browser: Browser, _ method: HTTPRequest.Method, _ uri: String, token: String?, json: String? = nil, bytes: [UInt8]? = nil,
              contentType: String? = nil) async throws -> TestResponse {
        var h = HTTPFields()
        h[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        if let token { h[HTTPField.Name("X-CSRF-Token")!] = token }
        var body: ByteBuffer?
        if let json { h[.contentType] = contentType ?? "application/json"; body = ByteBuffer(string: json) }
        if let bytes { h[.contentType] = "application/octet-stream"; body = ByteBuffer(bytes: bytes) }
        return try await browser.api.client.execute(uri: uri, method: method, headers: h, body: body)
    }

    func object(_ r: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.bytes))) as? [String: Any] ?? [:]
    }

    @Test func pageNeedsAVerifiedSenderAndIsPrefilled() async throws {
        try await TestServer.run { api in
            let away = try await Browser(api).request(.get, "/upload?to=bob@example.org")
            #expect(away.status == .seeOther && away.headers[.location] == "/sender?next=%2Fupload%3Fto%3Dbob%40example.org")
            let (browser, _) = try await ready(api)
            let page = try await browser.request(.get, "/upload?to=bob@example.org&cc=carol@example.org&notificationSubject=%3Cb%3EHi")
            #expect(page.text.contains("value=\"bob@example.org\"") && page.text.contains("value=\"carol@example.org\""))
            #expect(page.text.contains("value=\"&lt;b&gt;Hi\""))
            #expect(page.text.contains("<script src=\"/static/upload.js\" defer></script>") && !page.text.contains("<script>"))
            // `from` naming an address this browser has not verified goes to verification first.
            let other = try await browser.request(.get, "/upload?from=mallory@example.com")
            #expect(other.status == .seeOther && other.headers[.location]?.hasPrefix("/sender?next=") == true)
        }
    }

    /// Cc and Bcc stay closed behind their buttons unless prefilled or remembered in `show_cc`/`show_bcc`;
    /// without the script (`noscript.css`) both are shown and the buttons are not.
    @Test func ccAndBccOpenWhenPrefilledOrRemembered() async throws {
        try await TestServer.run { api in
            let (browser, _) = try await ready(api)
            func state(_ page: TestResponse, _ field: String) -> (open: Bool, expanded: String?) {
                let open = page.text.contains("id=\"\(field)-field\">")
                let closed = page.text.contains("id=\"\(field)-field\" hidden>")
                #expect(open != closed, "\(field) is rendered exactly once")
                let expanded = page.text.firstMatch(of: try! Regex("id=\"toggle-\(field)\"[^>]*aria-expanded=\"(true|false)\""))
                return (open, expanded.flatMap { $0.output[1].substring.map(String.init) })
            }
            let plain = try await browser.request(.get, "/upload?to=bob@example.org")
            #expect(state(plain, "cc") == (false, "false") && state(plain, "bcc") == (false, "false"))
            #expect(plain.text.contains(">Add Cc</button>") && plain.text.contains(">Add Bcc</button>"))
            #expect(plain.text.contains("<noscript><link rel=\"stylesheet\" href=\"/static/noscript.css\"></noscript>"))
            // The server sets neither cookie: they record the sender's own clicks.
            #expect(!RetrievePagesTests.setCookies(plain).keys.contains { $0.hasPrefix("show_") })

            let prefilled = try await browser.request(.get, "/upload?to=bob@example.org&cc=carol@example.org")
            #expect(state(prefilled, "cc") == (true, "true") && state(prefilled, "bcc") == (false, "false"))
            #expect(prefilled.text.contains(">Remove Cc</button>") && prefilled.text.contains("value=\"carol@example.org\""))

            browser.cookies["show_bcc"] = "true"
            browser.cookies["show_cc"] = "false"
            let remembered = try await browser.request(.get, "/upload?to=bob@example.org")
            #expect(state(remembered, "cc") == (false, "false") && state(remembered, "bcc") == (true, "true"))
            // A prefilled field opens even when the sender last closed it.
            let both = try await browser.request(.get, "/upload?cc=carol@example.org&bcc=dave@example.org")
            #expect(state(both, "cc") == (true, "true") && state(both, "bcc") == (true, "true"))
            browser.cookies["show_bcc"] = "yes"
            #expect(state(try await browser.request(.get, "/upload"), "bcc") == (false, "false"))
            let german = try await browser.request(.get, "/upload?lang=de")
            #expect(german.text.contains(">Cc hinzufügen</button>") && german.text.contains("data-remove=\"Bcc entfernen\""))

            let css = try await api.client.execute(uri: "/static/noscript.css", method: .get, headers: [:], body: nil)
            #expect(css.status == .ok && css.text.contains(".optional-field[hidden] { display: block !important; }")
                    && css.text.contains(".js-only { display: none !important; }"))
            #expect(plain.text.contains("class=\"field-toggles js-only\""))
            let js = try await api.client.execute(uri: "/static/upload.js", method: .get, headers: [:], body: nil)
            #expect(js.text.contains("\"; Path=/; Max-Age=31536000; Secure; SameSite=Strict\""))
        }
    }

    @Test func policyRulesNameRefusedRecipientsAndGiveTheSessionItsLimits() async throws {
        let rules = #"{"policyRules": {"rules": [{"name": "internal", "sender": {"patterns": ["example.com"]}, "recipient": {"patterns": ["example.org"]},"#
            + #" "settings": {"maxTotalSize": 5242880, "maxRetentionPeriod": 3}}]}}"#
        try await TestServer.run(settings: rules) { api in
            let (browser, token) = try await ready(api)
            let refused = try await call(browser, .post, "/upload/api/session", token: token, json: #"{"to":["bob@example.org","eve@elsewhere.net","x@y.net"]}"#)
            #expect(refused.status == .badRequest)
            #expect(object(refused)["message"] as? String == "The policy of this server does not allow sending to: eve@elsewhere.net, x@y.net")
            let session = try await call(browser, .post, "/upload/api/session", token: token, json: #"{"to":["bob@example.org"]}"#)
            #expect(session.status == .created)
            let body = object(session)
            #expect(body["maxTotalSize"] as? Int == 5_242_880)
            #expect(body["maxDate"] as? String == UploadController.day(Date().addingTimeInterval(3 * 86400)))
            #expect((body["limits"] as? String)?.contains("5.2 MB") == true)
            let (stranger, strangerToken) = try await ready(api, "mallory@elsewhere.net")
            let nobody = try await call(stranger, .post, "/upload/api/session", token: strangerToken, json: #"{"to":["bob@example.org"]}"#)
            #expect(object(nobody)["message"] as? String == "The policy of this server does not allow you to send transfers.")
        }
    }

    @Test func chunkedUploadAndSend() async throws {
        try await TestServer.run { api in
            let (browser, token) = try await ready(api)
            let session = try await call(browser, .post, "/upload/api/session", token: token, json: #"{"to":["bob@example.org"],"cc":[],"bcc":[]}"#)
            #expect(session.status == .created)
            let trackingId = try #require(object(session)["trackingId"] as? String)
            let content = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let file = try await call(browser, .post, "/upload/api/files", token: token,
                                      json: #"{"trackingId":"\#(trackingId)","name":"data.bin","size":\#(content.count)}"#)
            let fileId = try #require(object(file)["fileId"] as? String)
            let base = "/upload/api/files/\(fileId)?trackingId=\(trackingId)"
            let first = try await call(browser, .put, base + "&offset=0", token: token, bytes: Array(content[0..<1_000_000]))
            #expect(first.status == .ok && object(first)["received"] as? Int == 1_000_000)
            let stale = try await call(browser, .put, base + "&offset=0", token: token, bytes: Array(content[0..<1_000_000]))
            #expect(stale.status == .conflict && object(stale)["received"] as? Int == 1_000_000)
            _ = try await call(browser, .put, base + "&offset=1000000", token: token, bytes: Array(content[1_000_000...]))
            let progress = try await call(browser, .get, base, token: token)
            #expect(object(progress)["complete"] as? Bool == true)
            let state = try await call(browser, .get, "/upload/api/session?trackingId=\(trackingId)", token: token)
            #expect((object(state)["files"] as? [[String: Any]])?.first?["complete"] as? Bool == true)

            let weak = try await call(browser, .post, "/upload/api/password", token: token, json: #"{"password":"abc"}"#)
            #expect(object(weak)["ok"] as? Bool == false && ((object(weak)["failed"] as? [[String: Any]]) ?? []).contains { ($0["text"] as? String)?.contains("at least") == true })
            let sent = try await call(browser, .post, "/upload/api/send", token: token, json: #"""
                {"trackingId":"\#(trackingId)","passwordMode":"MANUAL","password":"\#(TestData.password)","subject":"Hi","message":"Body",
                 "confidentialMessage":"Secret <b>text</b>","expirationDate":"2099-01-01","sendDownloadNotifications":false}
                """#)
            // 2099 is beyond the policy: capped to the longest allowed period, not refused.
            #expect(sent.status == .ok, "\(sent.text)")
            #expect(object(sent)["done"] as? String == "/upload/done?trackingId=\(trackingId)")
            let done = try await browser.request(.get, "/upload/done?trackingId=\(trackingId)")
            #expect(done.status == .ok && done.text.contains(trackingId) && done.text.contains("data.bin") && !done.text.contains("message.eml"))

            let mail = try #require(try await api.server.database.recentMessages(limit: 10).first { $0.kind == "recipient-notification" })
            #expect(mail.subject == "Confidential message")
            let transferId = try #require(MailText.body(of: mail)?.firstMatch(of: /download\?id=(\w+)/)).1
            let files = try await api.send(.get, "/api/transfers/\(transferId)/files", password: TestData.password)
            let listed = try #require(files.list.first { $0["fileName"] as? String == "data.bin" })
            #expect(listed["checksum"] as? String == TestData.sha256(content))
        }
    }

    /// After a restart `GET /upload/api/files/{id}` reports the offset the temporary blob holds (rounded down
    /// to a whole 1 MiB segment), a chunk at the old offset gets 409 with it, and the rest completes the file exactly.
    @Test func chunkedUploadContinuesAfterARestart() async throws {
        let first = try TestServer.make()
        defer { try? FileManager.default.removeItem(atPath: first.directory) }
        var quiet = Logger(label: "sealdrop-http-tests.app")
        quiet.logLevel = .critical
        let content = (0..<5_000_000).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: (i &* 7) ^ (i >> 13)) }
        let segment = 1024 * 1024
        // The first process: a verified browser, a session, the first 3,000,000 bytes.
        let (cookies, token, trackingId, fileId) = try await Application(router: first.server.userRouter(), logger: quiet).test(.router) { client in
            let api = API(client: client, server: first.server, dataDirectory: first.directory + "/data")
            let (browser, token) = try await ready(api)
            let session = try await call(browser, .post, "/upload/api/session", token: token, json: #"{"to":["bob@example.org"]}"#)
            let trackingId = try #require(object(session)["trackingId"] as? String)
            let file = try await call(browser, .post, "/upload/api/files", token: token,
                                      json: #"{"trackingId":"\#(trackingId)","name":"data.bin","size":\#(content.count)}"#)
            let fileId = try #require(object(file)["fileId"] as? String)
            let put = try await call(browser, .put, "/upload/api/files/\(fileId)?trackingId=\(trackingId)&offset=0", token: token,
                                     bytes: Array(content[0..<3_000_000]))
            #expect(object(put)["received"] as? Int == 3_000_000)
            return (browser.cookies, token, trackingId, fileId)
        }

        // The restarted process over the same data directory, with its start-up recovery.
        let second = try TestServer.make(directory: first.directory)
        #expect(try await second.server.cleanup.recoverAfterStart().resumable == 1)
        try await Application(router: second.server.userRouter(), logger: quiet).test(.router) { client in
            let api = API(client: client, server: second.server, dataDirectory: second.directory + "/data")
            let browser = Browser(api)
            browser.cookies = cookies
            let base = "/upload/api/files/\(fileId)?trackingId=\(trackingId)"
            let resumeAt = 3_000_000 / segment * segment
            let progress = try await call(browser, .get, base, token: token)
            #expect(progress.status == .ok && object(progress)["received"] as? Int == resumeAt && object(progress)["complete"] as? Bool == false)
            let listed = try await call(browser, .get, "/upload/api/session?trackingId=\(trackingId)", token: token)
            #expect((object(listed)["files"] as? [[String: Any]])?.first?["received"] as? Int == resumeAt)
            let stale = try await call(browser, .put, base + "&offset=3000000", token: token, bytes: Array(content[3_000_000...]))
            #expect(stale.status == .conflict && object(stale)["received"] as? Int == resumeAt)
            let rest = try await call(browser, .put, base + "&offset=\(resumeAt)", token: token, bytes: Array(content[resumeAt...]))
            #expect(rest.status == .ok && object(rest)["complete"] as? Bool == true)
            #expect(!api.dataDirectoryEntries().contains { $0.hasSuffix(".part") })

            let sent = try await call(browser, .post, "/upload/api/send", token: token, json: #"""
                {"trackingId":"\#(trackingId)","passwordMode":"MANUAL","password":"\#(TestData.password)","subject":"Hi","message":"Body"}
                """#)
            #expect(sent.status == .ok, "\(sent.text)")
            let mail = try #require(try await api.server.database.recentMessages(limit: 10).first { $0.kind == "recipient-notification" })
            let transferId = try #require(MailText.body(of: mail)?.firstMatch(of: /download\?id=(\w+)/)).1
            let files = try await api.send(.get, "/api/transfers/\(transferId)/files", password: TestData.password)
            let listedFile = try #require(files.list.first { $0["fileName"] as? String == "data.bin" })
            #expect(listedFile["checksum"] as? String == TestData.sha256(content))
            let download = try await api.send(.get, "/api/transfers/\(transferId)/files/\(fileId)", password: TestData.password)
            #expect(download.status == .ok && download.bytes == content)
        }
    }

    /// M1: a verified sender with a session of its own puts its own tracking id beside another sender's
    /// file id. Chunk, progress and delete all answer 404; the other upload is untouched and completes.
    @Test func anotherSendersFileIsUnreachableThroughOwnSession() async throws {
        try await TestServer.run { api in
            let (alice, aliceToken) = try await ready(api)
            let session = try await call(alice, .post, "/upload/api/session", token: aliceToken, json: #"{"to":["bob@example.org"]}"#)
            let trackingId = try #require(object(session)["trackingId"] as? String)
            let content = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let file = try await call(alice, .post, "/upload/api/files", token: aliceToken,
                                      json: #"{"trackingId":"\#(trackingId)","name":"a.bin","size":\#(content.count)}"#)
            let fileId = try #require(object(file)["fileId"] as? String)
            let base = "/upload/api/files/\(fileId)?trackingId=\(trackingId)"
            let first = try await call(alice, .put, base + "&offset=0", token: aliceToken, bytes: Array(content[0..<100_000]))
            #expect(first.status == .ok && object(first)["received"] as? Int == 100_000)

            let (mallory, malloryToken) = try await ready(api, "mallory@example.com")
            let own = try await call(mallory, .post, "/upload/api/session", token: malloryToken, json: #"{"to":["bob@example.org"]}"#)
            let malloryId = try #require(object(own)["trackingId"] as? String)
            let foreign = "/upload/api/files/\(fileId)?trackingId=\(malloryId)"
            for offset in [0, 100_000] {
                let put = try await call(mallory, .put, foreign + "&offset=\(offset)", token: malloryToken, bytes: [UInt8](repeating: 0x41, count: 100_000))
                #expect(put.status == .notFound && object(put)["received"] == nil, "\(put.text)")
            }
            let peek = try await call(mallory, .get, foreign, token: malloryToken)
            #expect(peek.status == .notFound && object(peek)["received"] == nil)
            let delete = try await call(mallory, .delete, foreign, token: malloryToken)
            #expect(delete.status == .notFound)

            // Alice's upload is where she left it, and completes to exactly her bytes.
            let progress = try await call(alice, .get, base, token: aliceToken)
            #expect(object(progress)["received"] as? Int == 100_000 && object(progress)["complete"] as? Bool == false)
            let rest = try await call(alice, .put, base + "&offset=100000", token: aliceToken, bytes: Array(content[100_000...]))
            #expect(rest.status == .ok && object(rest)["complete"] as? Bool == true, "\(rest.text)")
            let sent = try await call(alice, .post, "/upload/api/send", token: aliceToken, json: #"""
                {"trackingId":"\#(trackingId)","passwordMode":"MANUAL","password":"\#(TestData.password)","subject":"Hi","message":"Body"}
                """#)
            #expect(sent.status == .ok, "\(sent.text)")
            let mail = try #require(try await api.server.database.recentMessages(limit: 10).first { $0.kind == "recipient-notification" })
            let transferId = try #require(MailText.body(of: mail)?.firstMatch(of: /download\?id=(\w+)/)).1
            let download = try await api.send(.get, "/api/transfers/\(transferId)/files/\(fileId)", password: TestData.password)
            #expect(download.status == .ok && download.bytes == content)
        }
    }

    @Test func apiNeedsTheCSRFHeaderJSONAndTheSendersOwnSession() async throws {
        try await TestServer.run { api in
            let (browser, token) = try await ready(api)
            let noToken = try await call(browser, .post, "/upload/api/session", token: nil, json: #"{"to":["bob@example.org"]}"#)
            #expect(noToken.status == .forbidden)
            let form = try await call(browser, .post, "/upload/api/session", token: token, json: "to=bob@example.org", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .badRequest)
            let badRecipient = try await call(browser, .post, "/upload/api/session", token: token, json: #"{"to":["not an address"]}"#)
            #expect(badRecipient.status == .badRequest && object(badRecipient)["error"] as? String == "errorRecipientInvalid")
            let none = try await call(browser, .post, "/upload/api/session", token: token, json: #"{"to":[]}"#)
            #expect(none.status == .badRequest && object(none)["error"] as? String == "errorNoRecipients")
            let garbage = try await call(browser, .post, "/upload/api/session", token: token, json: String(repeating: "[", count: 100_000))
            #expect(garbage.status == .badRequest)

            let session = try await call(browser, .post, "/upload/api/session", token: token, json: #"{"to":["bob@example.org"]}"#)
            let trackingId = try #require(object(session)["trackingId"] as? String)
            for name in ["../../etc/passwd", "a\u{0}b"] {
                let r = try await call(browser, .post, "/upload/api/files", token: token, json: #"{"trackingId":"\#(trackingId)","name":"\#(name)","size":5}"#)
                if r.status == .created {
                    // Accepted names are data only: never a path on disk.
                    #expect(!api.dataDirectoryEntries().contains { $0.contains("passwd") })
                } else {
                    #expect(r.status == .badRequest)
                }
            }
            let file = try await call(browser, .post, "/upload/api/files", token: token, json: #"{"trackingId":"\#(trackingId)","name":"x.bin","size":20000000}"#)
            let fileId = try #require(object(file)["fileId"] as? String)
            let tooBig = try await call(browser, .put, "/upload/api/files/\(fileId)?trackingId=\(trackingId)&offset=0", token: token,
                                        bytes: [UInt8](repeating: 1, count: 16 * 1024 * 1024 + 1))
            #expect(tooBig.status == .badRequest)
            #expect(object(try await call(browser, .get, "/upload/api/files/\(fileId)?trackingId=\(trackingId)", token: token))["received"] as? Int == 0)

            // Another verified sender cannot see or continue this session.
            let (mallory, malloryToken) = try await ready(api, "mallory@example.com")
            let foreign = try await call(mallory, .get, "/upload/api/session?trackingId=\(trackingId)", token: malloryToken)
            #expect([401, 403, 404].contains(foreign.status.code))
            let foreignChunk = try await call(mallory, .put, "/upload/api/files/\(fileId)?trackingId=\(trackingId)&offset=0", token: malloryToken, bytes: [1, 2, 3])
            #expect([401, 403, 404].contains(foreignChunk.status.code))
        }
    }
}
