import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SealdropHTTP
import Testing

/// The sender's pages: verification by code into identity cookies, several identities, switching,
/// editing, removing, the status page and revocation, safe `next` redirects, CSRF on every form.
@Suite struct SenderPagesTests {
    typealias Browser = RetrievePagesTests.Browser

    /// Verifies `email` in `browser` through the pages; returns the response of the code step.
    @discardableResult
    func verify(_ browser: Browser, _ email: String, name: String = "Alice Ä", next: String = "/sender") async throws -> TestResponse {
        let start = try await browser.request(.get, "/sender?next=\(WebPages.queryEscape(next))")
        let codePage = try await browser.request(.post, "/sender/verify", form: ["csrf": try browser.csrf(in: start), "email": email, "name": name,
                                                                                 "phone": "+49 30 1", "next": next])
        #expect(codePage.status == .ok && codePage.text.contains("id=\"code\""))
        let code = try await browser.api.latestCode(for: email)
        return try await browser.request(.post, "/sender/verify/code", form: ["csrf": try browser.csrf(in: codePage), "email": email, "name": name,
                                                                             "phone": "+49 30 1", "code": code.lowercased(), "next": next])
    }

    @Test func verificationStoresTheIdentityCookies() async throws {
        try await TestServer.run { api in
            let browser = Browser(api)
            let done = try await verify(browser, "alice@example.com")
            #expect(done.status == .seeOther && done.headers[.location] == "/sender")
            let set = RetrievePagesTests.setCookies(done)
            for name in ["user_email0", "sender_name0", "sender_phone0", "verification_token0", "active_user"] {
                let cookie = try #require(set[name], "\(name)")
                #expect(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age="))
            }
            #expect(browser.cookies["client_id"] != nil)
            let page = try await browser.request(.get, "/sender")
            #expect(page.text.contains("alice@example.com") && page.text.contains("value=\"Alice Ä\""))

            // A second identity takes the next index and becomes active; switching back works.
            try await verify(browser, "carol@example.com", name: "Carol")
            #expect(browser.cookies["user_email1"] != nil && browser.cookies["active_user"] == "1")
            let both = try await browser.request(.get, "/sender")
            let switched = try await browser.request(.post, "/sender/active", form: ["csrf": try browser.csrf(in: both), "index": "0"])
            #expect(switched.status == .seeOther && browser.cookies["active_user"] == "0")
            let edited = try await browser.request(.post, "/sender/identity", form: ["csrf": try browser.csrf(in: both), "index": "1", "name": "Carol C", "phone": "+1 555"])
            #expect(edited.status == .seeOther)
            #expect(try await browser.request(.get, "/sender").text.contains("value=\"Carol C\""))
            let removed = try await browser.request(.post, "/sender/remove", form: ["csrf": try browser.csrf(in: both), "index": "1"])
            #expect(removed.status == .seeOther && browser.cookies["user_email1"] == nil && browser.cookies["verification_token1"] == nil)
        }
    }

    @Test func wrongCodeAndBadEmailShowMessages() async throws {
        try await TestServer.run { api in
            let browser = Browser(api)
            let start = try await browser.request(.get, "/sender")
            let bad = try await browser.request(.post, "/sender/verify", form: ["csrf": try browser.csrf(in: start), "email": "not an address"])
            #expect(bad.status == .badRequest && bad.text.contains("role=\"alert\""))
            let codePage = try await browser.request(.post, "/sender/verify", form: ["csrf": try browser.csrf(in: start), "email": "dave@example.com"])
            let wrong = try await browser.request(.post, "/sender/verify/code", form: ["csrf": try browser.csrf(in: codePage), "email": "dave@example.com", "code": "AAAAAAAAAA"])
            #expect(wrong.status == .forbidden && wrong.text.contains("not right"))
            #expect(browser.cookies["verification_token0"] == nil)
        }
    }

    @Test func formsWithoutTheTokenAreRefused() async throws {
        try await TestServer.run { api in
            for path in ["/sender/verify", "/sender/verify/code", "/sender/active", "/sender/identity", "/sender/remove", "/status/revoke"] {
                let r = try await Browser(api).request(.post, path, form: ["email": "eve@example.com", "index": "0", "trackingId": "x"])
                #expect(r.status == .forbidden, "\(path)")
            }
        }
    }

    @Test func nextOnlyLeadsToLocalPaths() {
        #expect(SenderController.safeNext("/status?trackingId=20250101-000000-abcdefgh") == "/status?trackingId=20250101-000000-abcdefgh")
        for hostile in ["https://evil.example", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/a\r\nLocation: x", nil] {
            #expect(SenderController.safeNext(hostile) == "/sender")
        }
    }

    @Test func statusPageAndRevocation() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(sender: "alice@example.com", to: ["bob@example.org", "carol@example.org"])
            let browser = Browser(api)
            let away = try await browser.request(.get, "/status?trackingId=\(sent.trackingId)")
            #expect(away.status == .seeOther && away.headers[.location] == "/sender?next=%2Fstatus%3FtrackingId%3D\(sent.trackingId)")
            let back = try await verify(browser, "alice@example.com", next: "/status?trackingId=\(sent.trackingId)")
            #expect(back.headers[.location] == "/status?trackingId=\(sent.trackingId)")
            let page = try await browser.request(.get, "/status?trackingId=\(sent.trackingId)")
            #expect(page.status == .ok)
            #expect(page.text.contains("bob@example.org") && page.text.contains("carol@example.org") && page.text.contains("hello.txt"))
            #expect(page.text.contains("id=\"revoke\""))

            let revoked = try await browser.request(.post, "/status/revoke", form: ["csrf": try browser.csrf(in: page), "trackingId": sent.trackingId,
                                                                                   "message": "Wrong files", "notifyRecipients": "on"])
            #expect(revoked.status == .ok && revoked.text.contains("id=\"notice\"") && revoked.text.contains("Revoked"))
            #expect(!revoked.text.contains("id=\"revoke\""))
            let mails = try await api.server.database.recentMessages(limit: 20).filter { $0.kind == "revocation" }
            #expect(Set(mails.map { $0.envelopeTo[0] }) == ["bob@example.org", "carol@example.org"])
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferId)", password: sent.password).status == .notFound)
        }
    }

    @Test func anotherSendersTransferIsNotFound() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(sender: "alice@example.com")
            let browser = Browser(api)
            try await verify(browser, "mallory@example.com")
            let r = try await browser.request(.get, "/status?trackingId=\(sent.trackingId)")
            #expect(r.status == .notFound && r.text.contains("data-error=\"errorNotFound\""))
            let bogus = try await browser.request(.get, "/status?trackingId=../../x")
            #expect(bogus.status == .notFound)
        }
    }

    @Test func activeTermsOfUseMustBeAcceptedAndAreRememberedThirtyDays() async throws {
        let terms = #"{"legal": {"termsActive": true, "terms": [{"locale": "en", "title": "Rules", "content": "<p>Be nice.</p>", "type": "html"}]}}"#
        try await TestServer.run(settings: terms) { api in
            let browser = Browser(api)
            let start = try await browser.request(.get, "/sender")
            #expect(start.text.contains("name=\"acceptTerms\""))
            let refused = try await browser.request(.post, "/sender/verify", form: ["csrf": try browser.csrf(in: start), "email": "alice@example.com"])
            #expect(refused.status == .badRequest && refused.text.contains("id=\"terms-error\""))
            #expect(try await api.server.database.recentMessages(limit: 5).isEmpty)
            let accepted = try await browser.request(.post, "/sender/verify", form: ["csrf": try browser.csrf(in: start), "email": "alice@example.com",
                                                                                   "acceptTerms": "on"])
            #expect(accepted.status == .ok)
            let cookie = try #require(RetrievePagesTests.setCookies(accepted)["terms_of_use"])
            #expect(cookie.contains("Max-Age=2592000") && cookie.contains("HttpOnly"))
            let code = try await api.latestCode(for: "alice@example.com")
            _ = try await browser.request(.post, "/sender/verify/code", form: ["csrf": try browser.csrf(in: accepted), "email": "alice@example.com", "code": code])
            #expect(try await browser.request(.get, "/upload").status == .ok)
            // Without the cookie (another browser, or 30 days later) the sender accepts again before uploading.
            browser.cookies["terms_of_use"] = nil
            let again = try await browser.request(.get, "/upload")
            #expect(again.status == .seeOther && again.headers[.location]?.hasPrefix("/sender?next=") == true)
            let page = try await browser.request(.get, "/sender?next=%2Fupload")
            #expect(page.text.contains("id=\"accept-terms\""))
            let ok = try await browser.request(.post, "/sender/terms", form: ["csrf": try browser.csrf(in: page), "acceptTerms": "on", "next": "/upload"])
            #expect(ok.status == .seeOther && ok.headers[.location] == "/upload")
            #expect(try await browser.request(.get, "/upload").status == .ok)
            let text = try await browser.request(.get, "/terms")
            #expect(text.status == .ok && text.text.contains("<p>Be nice.</p>") && text.text.contains("<h1>Rules</h1>"))
        }
    }
}
