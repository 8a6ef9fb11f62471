import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SealdropCore
@testable import SealdropHTTP
import SealdropServices
import Testing

/// The recipient's web pages: password form, CSRF, the ticket cookie, files, downloads, errors, languages,
/// and that opening a link (HEAD, GET, with or without a password) changes and counts nothing.
@Suite struct RetrievePagesTests {
    /// Cookies of `Set-Cookie` headers as `name=value` pairs, with the raw attributes.
    static func setCookies(_ r: TestResponse) -> [String: String] {
        var out: [String: String] = [:]
        for value in r.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0]
            let kv = pair.split(separator: "=", maxSplits: 1)
            out[String(kv[0])] = value
        }
        return out
    }

    static func cookieValue(_ setCookie: String) -> String {
        String(setCookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[1])
    }

    /// A browser-like session: keeps cookies between requests to the in-process app.
    final class Browser: @unchecked Sendable {
        let api: API
        var cookies: [String: String] = [:]
        init(_ api: API) { self.api = api }

        func request(_ method: HTTPRequest.Method, _ uri: String, form: [String: String]? = nil, headers extra: [String: String] = [:]) async throws -> TestResponse {
            var h = HTTPFields()
            if !cookies.isEmpty { h[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            for (k, v) in extra { h[HTTPField.Name(k)!] = v }
            var body: ByteBuffer?
            if let form {
                h[.contentType] = "application/x-www-form-urlencoded"
                body = ByteBuffer(string: form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
            }
            let r = try await api.client.execute(uri: uri, method: method, headers: h, body: body)
            for (name, raw) in RetrievePagesTests.setCookies(r) {
                if raw.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = RetrievePagesTests.cookieValue(raw) }
            }
            return r
        }

        /// The CSRF token of the last form page.
        func csrf(in page: TestResponse) throws -> String {
            let match = try #require(page.text.firstMatch(of: /name="csrf" value="([A-Za-z0-9_-]+)"/))
            return String(match.1)
        }
    }

    @Test func fullRetrieveFlowWithTicketCookie() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: [("Bericht <1>.txt", Array("Hallo Welt".utf8)), ("b.bin", [UInt8](repeating: 7, count: 5000))])
            let browser = Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            #expect(form.status == .ok)
            #expect(form.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(form.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"))
            #expect(form.text.contains("value=\"\(sent.transferId)\""))
            let csrfCookie = try #require(Self.setCookies(form)["cs-csrf"])
            #expect(csrfCookie.contains("HttpOnly") && csrfCookie.contains("Secure") && csrfCookie.contains("SameSite=Strict"))

            let unlocked = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": try browser.csrf(in: form)])
            #expect(unlocked.status == .seeOther)
            #expect(unlocked.headers[.location] == "/download/files?id=\(sent.transferId)")
            let ticket = try #require(Self.setCookies(unlocked)["cs-ui-session"])
            #expect(ticket.contains("Path=/download") && ticket.contains("HttpOnly") && ticket.contains("Secure") && !ticket.contains("Max-Age"))
            #expect(!ticket.contains(sent.password))

            let files = try await browser.request(.get, "/download/files?id=\(sent.transferId)")
            #expect(files.status == .ok)
            #expect(files.text.contains("Bericht &lt;1&gt;.txt") && !files.text.contains("Bericht <1>"))
            #expect(files.text.contains("5.0 KB") && files.text.contains(sent.trackingId))
            #expect(!files.text.contains(sent.password))

            let download = try await browser.request(.get, "/download/file?id=\(sent.transferId)&file=\(sent.fileIds[0])")
            #expect(download.status == .ok)
            #expect(download.text == "Hallo Welt")
            #expect(download.headers[.contentDisposition]?.contains("attachment") == true)
            // The recipient's own view marks what this recipient downloaded, and only that.
            let after = try await browser.request(.get, "/download/files?id=\(sent.transferId)")
            #expect(after.text.components(separatedBy: "class=\"badge downloaded\"").count == 2)
            #expect(!files.text.contains("class=\"badge downloaded\""))
            let zip = try await browser.request(.get, "/download/zip?id=\(sent.transferId)")
            #expect(zip.status == .ok && zip.headers[.contentType] == "application/zip")
            #expect(Array(zip.bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])

            // The sender sees both retrievals.
            let status = try await api.send(.get, "/api/users/\(sent.sender)/transfers/\(sent.trackingId)", token: sent.token)
            let recipient = try #require(((status.data["status"] as? [String: Any])?["recipients"] as? [[String: Any]])?.first)
            let fileDownloads = try #require(recipient["fileDownloads"] as? [[String: Any]])
            #expect(fileDownloads.filter { !(($0["downloads"] as? [Any]) ?? []).isEmpty }.count == 2)
        }
    }

    @Test func eachRecipientSeesOnlyTheirOwnDownloads() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org", "carol@example.org"])
            func unlocked(_ transferId: String) async throws -> Browser {
                let browser = Browser(api)
                let form = try await browser.request(.get, "/download?id=\(transferId)")
                _ = try await browser.request(.post, "/download", form: ["id": transferId, "password": sent.password, "csrf": try browser.csrf(in: form)])
                return browser
            }
            let bob = try await unlocked(sent.transferIds[0])
            _ = try await bob.request(.get, "/download/file?id=\(sent.transferIds[0])&file=\(sent.fileIds[0])")
            #expect(try await bob.request(.get, "/download/files?id=\(sent.transferIds[0])").text.contains("class=\"badge downloaded\""))
            let carol = try await unlocked(sent.transferIds[1])
            let page = try await carol.request(.get, "/download/files?id=\(sent.transferIds[1])")
            #expect(page.status == .ok && !page.text.contains("class=\"badge downloaded\"") && !page.text.contains("bob@example.org"))
        }
    }

    @Test func openingTheLinkChangesAndCountsNothing() async throws {
        try await TestServer.run(settings: #"{"downloadProtection": {"maxAttempts": 1, "action": "lock", "lockMinutes": 60}}"#) { api in
            let sent = try await api.sendTransfer()
            let scanner = Browser(api)
            for method in [HTTPRequest.Method.head, .get] {
                for uri in ["/download?id=\(sent.transferId)", "/download?id=\(sent.transferId)&password=wrong-one",
                            "/download/files?id=\(sent.transferId)", "/download/file?id=\(sent.transferId)&file=\(sent.fileIds[0])",
                            "/download/zip?id=\(sent.transferId)"] {
                    let r = try await scanner.request(method, uri)
                    // GET shows the form or sends back to it; HEAD exists for the link itself only.
                    let expected: [HTTPResponse.Status] = method == .head && uri.hasPrefix("/download/") ? [.notFound] : [.ok, .seeOther]
                    #expect(expected.contains(r.status), "\(method) \(uri)")
                }
            }
            // A POST without the CSRF cookie's token is refused before the password is looked at.
            let forged = try await Browser(api).request(.post, "/download", form: ["id": sent.transferId, "password": "wrong", "csrf": "x"])
            #expect(forged.status == .forbidden && forged.text.contains("data-error=\"errorStaleForm\""))
            // Nothing counted: one wrong password would lock (maxAttempts 1), yet the right one still works.
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/files", password: sent.password)
            #expect(r.status == .ok)
            let status = try await api.send(.get, "/api/users/\(sent.sender)/transfers/\(sent.trackingId)", token: sent.token)
            let recipient = try #require(((status.data["status"] as? [String: Any])?["recipients"] as? [[String: Any]])?.first)
            #expect(((recipient["fileDownloads"] as? [[String: Any]]) ?? []).allSatisfy { (($0["downloads"] as? [Any]) ?? []).isEmpty })
        }
    }

    @Test func wrongPasswordThenLockShowHumanPages() async throws {
        try await TestServer.run(settings: #"{"downloadProtection": {"maxAttempts": 2, "action": "lock", "lockMinutes": 60}}"#) { api in
            let sent = try await api.sendTransfer()
            let browser = Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            let wrong = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": "nope", "csrf": try browser.csrf(in: form)])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("role=\"alert\"") && wrong.text.contains("The password is not correct"))
            #expect(!wrong.text.contains("value=\"nope\""))
            let locked = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": "nope", "csrf": try browser.csrf(in: wrong)])
            #expect(locked.status == .forbidden && locked.text.contains("data-error=\"errorLocked\""))
            let again = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": try browser.csrf(in: wrong)])
            #expect(again.status == .forbidden && again.text.contains("locked"))
        }
    }

    @Test func revokedTransferHasItsOwnPageUnknownAndMalformedGetNotFound() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let browser = Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            let csrf = try browser.csrf(in: form)
            let r = try await api.send(.patch, "/api/users/\(sent.sender)/transfers/\(sent.trackingId)", token: sent.token,
                                       json: #"{"status":{"state":"DELETED_BY_REVOCATION"}}"#)
            #expect(r.status.code < 300)
            // The link itself, the password form's answer and a page behind an old ticket all say "withdrawn".
            let link = try await browser.request(.get, "/download?id=\(sent.transferId)")
            #expect(link.status == .gone && link.text.contains("data-state=\"revoked\"") && link.text.contains("The sender withdrew this transfer"))
            #expect(!link.text.contains("name=\"password\""))
            let posted = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": csrf])
            #expect(posted.status == .gone && posted.text.contains("data-state=\"revoked\""))
            let german = try await browser.request(.get, "/download?id=\(sent.transferId)&lang=de")
            #expect(german.text.contains("Der Absender hat diesen Transfer widerrufen"))
            // The REST API answers as before: 404/2003, whatever the reason.
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/files", password: sent.password), 404, 2003)

            for id in ["ZZZZZZZZZZ", "../../etc", "<script>"] {
                let page = try await browser.request(.post, "/download", form: ["id": id, "password": "x", "csrf": csrf])
                #expect(page.status == .notFound && page.text.contains("data-error=\"errorNotFound\""), "\(id)")
                #expect(!page.text.contains("<script>") && !page.text.contains("data-state="))
            }
            // An unknown (well-formed) id still gets the form: opening a link reveals nothing about ids.
            let unknown = try await browser.request(.get, "/download?id=ZZZZZZZZZZ")
            #expect(unknown.status == .ok && unknown.text.contains("name=\"password\""))
        }
    }

    @Test func expiredTransferHasItsOwnPageWithTheDate() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let other = try await api.sendTransfer(sender: "dora@example.com")
            let browser = Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            _ = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": try browser.csrf(in: form)])
            #expect(try await browser.request(.get, "/download/files?id=\(sent.transferId)").status == .ok)

            let trackingId = try #require(TrackingID(rawValue: sent.trackingId))
            let expires = try #require(try await api.server.database.transfer(trackingId)).settings.expirationDate
            // What the clean-up does at the expiration date.
            #expect(try await api.server.database.endTransfer(trackingId, state: .deletedByExpiration, mails: []))
            let date = DisplayFormat.date(expires, language: "en")
            for uri in ["/download?id=\(sent.transferId)", "/download/files?id=\(sent.transferId)",
                        "/download/file?id=\(sent.transferId)&file=\(sent.fileIds[0])", "/download/zip?id=\(sent.transferId)"] {
                let page = try await browser.request(.get, uri)
                #expect(page.status == .gone, "\(uri)")
                #expect(page.text.contains("data-state=\"expired\"") && page.text.contains("This transfer has expired"), "\(uri)")
                #expect(page.text.contains("It expired on \(date)") && page.text.contains("ask the sender to send the files again"), "\(uri)")
            }
            let german = try await browser.request(.get, "/download?id=\(sent.transferId)&lang=de")
            #expect(german.text.contains("Dieser Transfer ist abgelaufen") && german.text.contains(DisplayFormat.date(expires, language: "de")))
            // Nothing of another transfer or recipient shows, and the REST API still answers 404/2003.
            #expect(!german.text.contains(sent.trackingId) && !german.text.contains("bob@example.org"))
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/files", password: sent.password), 404, 2003)
            #expect(try await Browser(api).request(.get, "/download?id=\(other.transferId)").status == .ok)
        }
    }

    @Test func filesWithoutTicketGoBackToTheForm() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let r = try await Browser(api).request(.get, "/download/files?id=\(sent.transferId)", headers: ["Cookie": "cs-ui-session=forged"])
            #expect(r.status == .seeOther && r.headers[.location] == "/download?id=\(sent.transferId)")
        }
    }

    @Test func languageFromAcceptLanguageAndSwitch() async throws {
        try await TestServer.run(settings: #"{"frameAncestors": ["https://portal.example.com"]}"#) { api in
            let browser = Browser(api)
            let german = try await browser.request(.get, "/download?id=ABCDEFGHIJ", headers: ["Accept-Language": "de-DE,de;q=0.9,en;q=0.5"])
            #expect(german.text.contains("<html lang=\"de\">") && german.text.contains("Dateien abrufen"))
            #expect(german.headers[.contentSecurityPolicy]?.contains("frame-ancestors https://portal.example.com") == true)
            let english = try await browser.request(.get, "/download?id=ABCDEFGHIJ&lang=en", headers: ["Accept-Language": "de"])
            #expect(english.text.contains("<html lang=\"en\">") && english.text.contains("Retrieve files"))
            #expect(Self.setCookies(english)["lang"]?.contains("lang=en") == true)
            let kept = try await browser.request(.get, "/download?id=ABCDEFGHIJ", headers: ["Accept-Language": "de"])
            #expect(kept.text.contains("<html lang=\"en\">"))
            #expect(kept.text.contains("href=\"/download?id=ABCDEFGHIJ&amp;lang=de\"") || kept.text.contains("lang=de"))
        }
    }

    @Test func staticFilesAndNoInlineScript() async throws {
        try await TestServer.run { api in
            let css = try await api.client.execute(uri: "/static/sealdrop.css", method: .get, headers: [:], body: nil)
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8")
            let js = try await api.client.execute(uri: "/static/sealdrop.js", method: .get, headers: [:], body: nil)
            #expect(js.status == .ok && js.headers[.contentType] == "text/javascript; charset=utf-8")
            let missing = try await api.client.execute(uri: "/static/../Package.swift", method: .get, headers: [:], body: nil)
            #expect(missing.status == .notFound)
            let page = try await api.client.execute(uri: "/download", method: .get, headers: [:], body: nil)
            #expect(!page.text.contains("<script>") && !page.text.contains("style=") && !page.text.contains("onclick"))
            // Every control has a label.
            for id in ["transfer-id", "password"] { #expect(page.text.contains("<label for=\"\(id)\">")) }
        }
    }

    @Test func confidentialMessageIsShownEscaped() {
        let eml = Array("Subject: Hi\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe <b>Bob</b>\r\n".utf8)
        #expect(MessageText.readable(eml) == "Grüße <b>Bob</b>")
        let multipart = Array("""
            Content-Type: multipart/alternative; boundary="XyZ"\r\n\r\n--XyZ\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gV29ybGQ=\r\n--XyZ\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--XyZ--\r\n
            """.utf8)
        #expect(MessageText.readable(multipart) == "Hello World")
        #expect(MessageText.readable(Array("just text".utf8)) == "just text")
    }
}
