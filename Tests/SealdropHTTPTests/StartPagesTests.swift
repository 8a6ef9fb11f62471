import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SealdropHTTP
import Testing

/// The start page (`/`), the receive form that takes a pasted link or id, the favicon and the footer of every page.
@Suite struct StartPagesTests {
    @Test func theStartPageOffersSendingAndReceivingInBothLanguages() async throws {
        try await TestServer.run { api in
            let r = try await api.client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en"], body: nil)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/html; charset=utf-8")
            #expect(r.text.contains(#"href="/upload""#) && r.text.contains("Send files"))
            #expect(r.text.contains(#"action="/receive""#) && r.text.contains(#"name="link""#) && r.text.contains("Receive files"))
            #expect(r.text.contains(#"href="/?lang=de""#))
            let de = try await api.client.execute(uri: "/?lang=de", method: .get, headers: [:], body: nil)
            #expect(de.text.contains("Dateien senden") && de.text.contains("Dateien empfangen"))
            #expect(try await api.client.execute(uri: "/", method: .head, headers: [:], body: nil).status == .ok)
        }
    }

    /// A bare id, a pasted link (with spaces around it, from any host) and a no-password-mode link all lead to
    /// the download page for that id.
    @Test func theReceiveFormTakesABareIdOrAPastedLink() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let id = sent.transferId
            let pasted = [
                (id, "/download?id=\(id)"),
                ("  https://sealdrop.test/download?id=\(id)\n", "/download?id=\(id)"),
                ("http://other.example:8080/download?lang=de&id=\(id)", "/download?id=\(id)"),
                ("https://sealdrop.test/download?id=\(id)&password=Vt7%23kRm2%21pQz", "/download?id=\(id)&password=Vt7%23kRm2%21pQz"),
            ]
            // As a browser sends the form: a space becomes `+`.
            let formEncoded = "https%3A%2F%2Fsealdrop.test%2Fdownload%3Fid%3D\(id)+"
            let r = try await api.client.execute(uri: "/receive?link=\(formEncoded)", method: .get, headers: [:], body: nil)
            #expect(r.status == .seeOther && r.headers[.location] == "/download?id=\(id)")
            for (link, location) in pasted {
                let escaped = link.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let r = try await api.client.execute(uri: "/receive?link=\(escaped)", method: .get, headers: [:], body: nil)
                #expect(r.status == .seeOther, "\(link)")
                #expect(r.headers[.location] == location, "\(link)")
                let page = try await api.client.execute(uri: try #require(r.headers[.location]), method: .get, headers: [:], body: nil)
                #expect(page.status == .ok)
                #expect(page.text.contains(#"value="\#(id)""#), "\(link)")
            }
        }
    }

    /// Garbage in the form gets the start page again with a sentence in the page's language, never a 500.
    @Test(arguments: ["hello", "https://sealdrop.test/upload?id=ABCDEFGHJK", "https://sealdrop.test/download?id=short",
                      "ABCDEFGHJ!", "%FF%FE", String(repeating: "A", count: 5000), ""])
    func garbageGetsAHumanSentence(link: String) async throws {
        try await TestServer.run { api in
            let escaped = link.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let r = try await api.client.execute(uri: "/receive?link=\(escaped)", method: .get, headers: [.acceptLanguage: "en"], body: nil)
            #expect(r.status == .badRequest)
            #expect(r.text.contains("This is neither a transfer link nor a transfer id."))
            #expect(r.text.contains(#"id="receive-error""#))
            let de = try await api.client.execute(uri: "/receive?lang=de&link=\(escaped)", method: .get, headers: [:], body: nil)
            #expect(de.status == .badRequest && de.text.contains("Das ist weder ein Link noch eine ID einer Übertragung."))
        }
        #expect(StartController.downloadTarget(link) == nil)
    }

    @Test func theFaviconIsAnsweredAndLinkedFromEveryPage() async throws {
        try await TestServer.run { api in
            let icon = try await api.client.execute(uri: "/favicon.ico", method: .get, headers: [:], body: nil)
            #expect(icon.status == .ok)
            #expect(icon.headers[.contentType] == "image/svg+xml")
            #expect(icon.text.hasPrefix("<svg"))
            let svg = try await api.client.execute(uri: "/static/favicon.svg", method: .get, headers: [:], body: nil)
            #expect(svg.status == .ok && svg.bytes == icon.bytes)
            for page in ["/", "/download?id=ABCDEFGHJK", "/download/file?id=x", "/sender", "/terms", "/imprint"] {
                let r = try await api.client.execute(uri: page, method: .get, headers: [:], body: nil)
                #expect(r.text.contains(#"<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">"#), "\(page)")
                #expect(r.text.contains(#"<footer class="foot">"#), "\(page)")
            }
        }
    }

    /// The footer links the imprint always (it has a default) and the terms only while they are active.
    @Test func theFooterLinksImprintAndActiveTerms() async throws {
        try await TestServer.run { api in
            let r = try await api.client.execute(uri: "/", method: .get, headers: [:], body: nil)
            #expect(r.text.contains(#"href="/imprint""#) && !r.text.contains(#"id="footer-terms""#))
            let imprint = try await api.client.execute(uri: "/imprint", method: .get, headers: [:], body: nil)
            #expect(imprint.status == .ok && imprint.text.contains("Operated with Sealdrop."))
        }
        try await TestServer.run(settings: #"{"legal": {"termsActive": true}}"#) { api in
            let r = try await api.client.execute(uri: "/download?id=ABCDEFGHJK", method: .get, headers: [:], body: nil)
            #expect(r.text.contains(#"<a href="/terms" id="footer-terms">"#))
        }
    }
}
