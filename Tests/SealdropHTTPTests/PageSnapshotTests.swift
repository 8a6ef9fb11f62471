import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SealdropCore
@testable import SealdropHTTP
import Testing

/// Walks every page and JSON answer of the web and admin surfaces once and checks a few fragments of each,
/// so a change in how pages are assembled (typed models instead of dictionaries) cannot go unnoticed.
///
/// With `SEALDROP_PAGE_DUMP=<dir>` set, every body is also written to `<dir>/NN-<path>` so two trees can be
/// compared byte for byte (`scripts/page-dump-diff` style: normalise tokens, ids and times, then `diff -r`).
@Suite struct PageSnapshotTests {
    typealias Browser = RetrievePagesTests.Browser

    /// Writes `response` to the dump directory when one is configured; returns it unchanged.
    final class Dump: @unchecked Sendable {
        let directory: String?
        var count = 0
        init(_ name: String) {
            directory = ProcessInfo.processInfo.environment["SEALDROP_PAGE_DUMP"].map { $0 + "/" + name }
            if let directory { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        }

        @discardableResult
        func keep(_ label: String, _ response: TestResponse) -> TestResponse {
            count += 1
            guard let directory else { return response }
            let name = String(format: "%02d-", count) + label.map { $0.isLetter || $0.isNumber ? $0 : "_" }
            let head = "\(response.status.code) \(response.headers[.contentType] ?? "-") \(response.headers[.cacheControl] ?? "-")\n"
            try? Data((head + response.text).utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
            return response
        }
    }

    static let legal = #"{"legal": {"termsActive": true, "terms": [{"locale": "en", "title": "Rules", "content": "<p>Be nice.</p>", "type": "html"}], "imprint": {"locale": "en", "title": "Imprint", "content": "<p>ACME</p>", "type": "html"}}}"#

    @Test func webPagesAndUploadJSON() async throws {
        let dump = Dump("web")
        try await TestServer.run(settings: Self.legal) { api in
            let browser = Browser(api)
            dump.keep("rest-status", try await api.send(.get, "/api/status"))
            let pack = dump.keep("rest-pack", try await api.send(.get, "/api/products/api.rest/language-packs/en-US_1/messages.json"))
            #expect(pack.status == .ok && pack.text.hasPrefix("{"))
            dump.keep("rest-imprint", try await api.send(.get, "/api/products/api.rest/legal/imprint"))
            let missing = dump.keep("rest-error", try await api.send(.get, "/api/no/such/thing"))
            #expect(missing.text.hasPrefix(#"{"errorCode":"#))
            let start = dump.keep("start", try await browser.request(.get, "/"))
            #expect(start.status == .ok && start.text.contains("href=\"/imprint\"") && start.text.contains("href=\"/terms\""))
            #expect(dump.keep("start-de", try await browser.request(.get, "/?lang=de")).text.contains("lang=\"de\""))
            dump.keep("start-bad", try await browser.request(.get, "/receive?link=%3Cx%3E"))
            dump.keep("terms", try await browser.request(.get, "/terms"))
            #expect(dump.keep("imprint", try await browser.request(.get, "/imprint")).text.contains("<p>ACME</p>"))
            let sender = dump.keep("sender", try await browser.request(.get, "/sender?next=%2Fupload"))
            #expect(sender.text.contains("name=\"acceptTerms\""))
            let refused = dump.keep("sender-refused", try await browser.request(.post, "/sender/verify", form: ["csrf": try browser.csrf(in: sender),
                                                                                                             "email": "alice@example.com"]))
            #expect(refused.text.contains("id=\"terms-error\""))
            let code = dump.keep("sender-code", try await browser.request(.post, "/sender/verify", form: [
                "csrf": try browser.csrf(in: sender), "email": "alice@example.com", "name": "Alice <Ä>", "phone": "+49 30 1",
                "acceptTerms": "on", "next": "/upload"]))
            #expect(code.status == .ok && code.text.contains("id=\"code\"") && code.text.contains("value=\"Alice &lt;Ä&gt;\""))
            dump.keep("sender-code-wrong", try await browser.request(.post, "/sender/verify/code", form: [
                "csrf": try browser.csrf(in: code), "email": "alice@example.com", "name": "Alice", "code": "WRONGWRONG", "next": "/upload"]))
            let value = try await api.latestCode(for: "alice@example.com")
            let verified = try await browser.request(.post, "/sender/verify/code", form: [
                "csrf": try browser.csrf(in: code), "email": "alice@example.com", "name": "Alice <Ä>", "phone": "+49 30 1", "code": value, "next": "/upload"])
            #expect(verified.status == .seeOther)
            let identities = dump.keep("identities", try await browser.request(.get, "/sender"))
            #expect(identities.text.contains("alice@example.com"))
            let upload = dump.keep("upload", try await browser.request(.get, "/upload?to=bob@example.org&cc=carol@example.org&notificationSubject=%3Cb%3EHi"))
            #expect(upload.text.contains("value=\"&lt;b&gt;Hi\""))
            let token = String(try #require(upload.text.firstMatch(of: /data-csrf="([A-Za-z0-9_-]+)"/)).1)
            let calls = UploadPagesTests()
            let session = dump.keep("api-session", try await calls.call(browser, .post, "/upload/api/session", token: token,
                                                                        json: #"{"to":["bob@example.org"],"cc":[],"bcc":[]}"#))
            #expect(session.status == .created && session.headers[.contentType] == "application/json")
            let trackingId = try #require(calls.object(session)["trackingId"] as? String)
            let file = dump.keep("api-file", try await calls.call(browser, .post, "/upload/api/files", token: token,
                                                                  json: #"{"trackingId":"\#(trackingId)","name":"a/b <c>.txt","size":5}"#))
            let fileId = try #require(calls.object(file)["fileId"] as? String)
            let base = "/upload/api/files/\(fileId)?trackingId=\(trackingId)"
            dump.keep("api-put", try await calls.call(browser, .put, base + "&offset=0", token: token, bytes: Array("hello".utf8)))
            dump.keep("api-put-stale", try await calls.call(browser, .put, base + "&offset=0", token: token, bytes: Array("hello".utf8)))
            dump.keep("api-progress", try await calls.call(browser, .get, base, token: token))
            dump.keep("api-state", try await calls.call(browser, .get, "/upload/api/session?trackingId=\(trackingId)", token: token))
            let weak = dump.keep("api-password", try await calls.call(browser, .post, "/upload/api/password", token: token, json: #"{"password":"abc"}"#))
            #expect(weak.text.hasPrefix(#"{"failed":["#))
            dump.keep("api-bad", try await calls.call(browser, .post, "/upload/api/files", token: token, json: #"{"trackingId":"x"}"#))
            let sent = dump.keep("api-send", try await calls.call(browser, .post, "/upload/api/send", token: token, json: #"""
                {"trackingId":"\#(trackingId)","passwordMode":"MANUAL","password":"\#(TestData.password)","subject":"Hi","message":"Body",
                 "confidentialMessage":"Secret","expirationDate":"2099-01-01","sendDownloadNotifications":false}
                """#))
            #expect(sent.text == #"{"done":"\/upload\/done?trackingId=\#(trackingId)","trackingId":"\#(trackingId)"}"#)
            let done = dump.keep("upload-done", try await browser.request(.get, "/upload/done?trackingId=\(trackingId)"))
            #expect(done.text.contains(trackingId) && done.text.contains("a/b &lt;c&gt;.txt"))
            let status = dump.keep("status", try await browser.request(.get, "/status?trackingId=\(trackingId)"))
            #expect(status.text.contains("bob@example.org") && status.text.contains("id=\"revoke\""))

            let transfer = try await api.sendTransfer(to: ["bob@example.org", "carol@example.org"],
                                                      files: [("Bericht <1>.txt", Array("Hallo".utf8)), ("b.bin", [1, 2, 3])])
            let reader = Browser(api)
            let form = dump.keep("retrieve-password", try await reader.request(.get, "/download?id=\(transfer.transferId)"))
            #expect(form.text.contains("value=\"\(transfer.transferId)\""))
            dump.keep("retrieve-wrong", try await reader.request(.post, "/download", form: ["id": transfer.transferId, "password": "wrong",
                                                                                           "csrf": try reader.csrf(in: form)]))
            let unlocked = try await reader.request(.post, "/download", form: [
                "id": transfer.transferId, "password": transfer.password, "csrf": try reader.csrf(in: form)])
            #expect(unlocked.headers[.location] == "/download/files?id=\(transfer.transferId)")
            let files = dump.keep("retrieve-files", try await reader.request(.get, "/download/files?id=\(transfer.transferId)"))
            #expect(files.text.contains("Bericht &lt;1&gt;.txt"))
            dump.keep("retrieve-files-de", try await reader.request(.get, "/download/files?id=\(transfer.transferId)&lang=de"))
            dump.keep("retrieve-unknown", try await reader.request(.get, "/download?id=abcdefghijklmnopqrstuvwxyz"))
            dump.keep("not-found", try await reader.request(.get, "/nothing-here"))
            let revoked = dump.keep("status-revoked", try await browser.request(.post, "/status/revoke", form: [
                "csrf": try browser.csrf(in: status), "trackingId": trackingId, "message": "Wrong", "notifyRecipients": "on"]))
            #expect(revoked.text.contains("id=\"notice\""))
        }
        #expect(dump.count > 30)
    }

    @Test func adminPagesAndJSON() async throws {
        let dump = Dump("admin")
        try await AdminClient.runBeside { api, admin in
            var admin = admin
            let sent = try await api.sendTransfer(to: ["bob@example.org", "dora@example.org"], files: [("report <q3>.pdf", Array("pdf".utf8))])
            _ = try await api.send(.get, "/api/transfers/\(sent.transferIds[1])/files/\(sent.fileIds[0])", password: sent.password)
            dump.keep("login", try await admin.send(.get, "/login?next=/admin/log"))
            dump.keep("login-wrong", try await admin.send(.post, "/login", body: AdminClient.form([("csrf", admin.csrf), ("next", "/admin"),
                                                                                              ("name", "nobody"), ("password", "x")])))
            try await admin.login("kim", role: .administrator)
            try await admin.server.database.enqueue([OutboxMessage(kind: "test", envelopeFrom: "a@x.test", envelopeTo: ["b@x.test"], subject: "Hello <b>",
                                                                   message: Array("Subject: Hello\r\n\r\nbody\r\n".utf8), createdAt: Date())])
            let id = try #require(try await admin.server.database.recentMessages(limit: 1).first?.id)
            try await admin.server.database.markFailed(id, attempts: 5, error: "550 mailbox unavailable")
            let status = dump.keep("status", try await admin.send(.get, "/admin"))
            #expect(status.text.contains("href=\"/admin/log\"") && status.text.contains("kim"))
            dump.keep("status-de", try await admin.send(.get, "/admin?lang=de"))
            let log = dump.keep("log", try await admin.send(.get, "/admin/log"))
            #expect(log.text.contains(sent.trackingId))
            dump.keep("log-filtered", try await admin.send(.get, "/admin/log?sender=alice&lang=en"))
            dump.keep("log-empty", try await admin.send(.get, "/admin/log?sender=%25"))
            let detail = dump.keep("transfer", try await admin.send(.get, "/admin/log/\(sent.trackingId)"))
            #expect(detail.text.contains("dora@example.org") && detail.text.contains("report &lt;q3&gt;.pdf"))
            #expect(dump.keep("statistics", try await admin.send(.get, "/admin/statistics")).text.contains("<rect"))
            #expect(dump.keep("outbox", try await admin.send(.get, "/admin/outbox")).text.contains("550 mailbox unavailable"))
            #expect(dump.keep("outbox-message", try await admin.send(.get, "/admin/outbox/\(id)")).text.contains("Hello &lt;b&gt;"))
            dump.keep("audit", try await admin.send(.get, "/admin/audit"))
            dump.keep("admins", try await admin.send(.get, "/admin/admins"))
            for section in ["connection", "mail", "verification", "transfer", "password", "protection", "legal", "network"] {
                dump.keep("settings-" + section, try await admin.send(.get, "/admin/settings/\(section)"))
            }
            dump.keep("settings-invalid", try await admin.post("/admin/settings/password", [("password.minimumLength", "x")]))
            dump.keep("mail-test", try await admin.post("/admin/mail/test", [("to", "ops@example.org")]))
            let noAddress = dump.keep("mail-test-bad", try await admin.post("/admin/mail/test", [("to", "not an address")]))
            #expect(noAddress.text.contains(#"<p class="field-error" id="test-to-error">Enter the address to send the test mail to.</p>"#))
            let badRelay = dump.keep("settings-mail-invalid", try await admin.post("/admin/settings/mail", [
                ("mail.security", "smtp"), ("mail.host", "bad host!"), ("mail.port", "99999"), ("mail.username", "u"), ("mail.from", "nope")]))
            #expect(badRelay.status == .badRequest && badRelay.text.contains(#"id="f-mail-host-error">Enter the relay&#39;s host name or IP address.</p>"#))
            #expect(badRelay.text.contains(#"id="f-mail-port-error">"#) && badRelay.text.contains(#"id="f-mail-from-error">"#))
            dump.keep("token", try await admin.post("/admin/tokens", [("label", "robot <1>"), ("role", "administrator")]))
            dump.keep("quick", try await admin.send(.get, "/admin/quick"))
            let health = dump.keep("health", try await admin.send(.get, "/health"))
            #expect(health.status == .ok && health.headers[.contentType] == "application/json")
            dump.keep("reauth", try await admin.send(.get, "/admin/reauth?next=/admin/admins"))
            dump.keep("error", try await admin.send(.get, "/admin/nothing-here"))

            let token = try await admin.server.accounts.createToken(label: "automation", role: .administrator, by: "test").token
            for path in ["/admin/api/status", "/admin/api/settings", "/admin/api/settings/password", "/admin/api/settings/mail",
                         "/admin/api/transfers", "/admin/api/transfers/\(sent.trackingId)", "/admin/api/statistics", "/admin/api/outbox",
                         "/admin/api/audit", "/admin/api/audit/verify", "/admin/api/admins", "/admin/api/nothing"] {
                let r = dump.keep(path, try await admin.api(.get, path, token: token))
                #expect(r.headers[.contentType] == "application/json" && r.text.hasPrefix("{"), "\(path)")
            }
            let put = dump.keep("api-put", try await admin.api(.put, "/admin/api/settings/password", token: token, json: #"{"password": {"minimumLength": 11}}"#))
            #expect(put.text == #"{"changed":["password.minimumLength"]}"#)
            dump.keep("api-put-bad", try await admin.api(.put, "/admin/api/settings/password", token: token, json: #"{"password": {"minimumLength": "x"}}"#))
            let created = dump.keep("api-admin", try await admin.api(.post, "/admin/api/admins", token: token,
                                                                     json: #"{"name":"ops.1","role":"administrator","password":"a long test password"}"#))
            #expect(created.text == #"{"name":"ops.1","role":"administrator"}"#)
            dump.keep("api-admin-bad", try await admin.api(.post, "/admin/api/admins", token: token, json: #"{"name":"ops/1","role":"x"}"#))
            let verify = dump.keep("api-verify", try await admin.api(.get, "/admin/api/audit/verify", token: token))
            #expect(verify.text.hasPrefix(#"{"intact":true,"rows":"#))
        }
        #expect(dump.count > 40)
    }
}
