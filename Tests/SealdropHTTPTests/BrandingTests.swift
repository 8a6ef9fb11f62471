import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropHTTP

/// Branding through the admin page and API, seen on the user listeners: logo, colours, product name, preview.
@Suite struct BrandingTests {
    static let png = BrandingTests.makePNG()
    static let scriptSVG = #"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#

    static func makePNG() -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + Array("IHDR".utf8) + be(64) + be(32) + [8, 6, 0, 0, 0] + be(0)
            + be(0) + Array("IEND".utf8) + be(0xAE42_6082)
    }

    /// A `multipart/form-data` body of `fields` and one optional file field `logo`.
    static func multipart(_ fields: [(String, String)], logo: [UInt8]? = nil) -> (contentType: String, body: ByteBuffer) {
        let boundary = "----sealdrop-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let logo {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
            body += logo + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: body))
    }

    static func post(_ admin: AdminClient, _ uri: String, _ fields: [(String, String)], logo: [UInt8]? = nil) async throws -> TestResponse {
        let (type, body) = multipart(fields, logo: logo)
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cookie] = admin.cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        return try await admin.client.execute(uri: uri, method: .post, headers: headers, body: body)
    }

    static let fields = [("branding.productName", "Example Files"), ("branding.accentColor", "#AA0011"),
                         ("branding.backgroundColor", "#fafafa"), ("branding.textColor", "#111111")]

    @Test func theLogoAPIRefusesScriptAndServesAnInertImage() async throws {
        try await AdminClient.runBeside { api, admin in
            let token = try await admin.server.accounts.createToken(label: "branding", role: .administrator, by: "test").token
            #expect(try await api.client.execute(uri: "/branding/logo", method: .get).status == .notFound)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(token)"
            let refused = try await admin.client.execute(uri: "/admin/api/branding/logo", method: .put, headers: headers,
                                                         body: ByteBuffer(string: Self.scriptSVG))
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains(#""field":"logo""#) && refused.text.contains("<script>"))
            let stored = try await admin.client.execute(uri: "/admin/api/branding/logo", method: .put, headers: headers, body: ByteBuffer(bytes: Self.png))
            #expect(stored.status == .created)
            #expect(try AdminClient.json(stored)["mediaType"] as? String == "image/png")
            let served = try await api.client.execute(uri: "/branding/logo", method: .get)
            #expect(served.status == .ok && served.bytes == Self.png)
            #expect(served.headers[.contentType] == "image/png")
            #expect(served.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(served.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(served.headers[.xContentTypeOptions] == "nosniff")
            let page = try await api.client.execute(uri: "/", method: .get)
            #expect(page.text.contains(#"<img src="/branding/logo?v="#))
            #expect(try await admin.client.execute(uri: "/admin/api/branding/logo", method: .delete, headers: headers).status == .noContent)
            #expect(try await admin.client.execute(uri: "/admin/api/branding/logo", method: .delete, headers: headers).status == .notFound)
            #expect(try await api.client.execute(uri: "/branding/logo", method: .get).status == .notFound)
            let actions = try await admin.server.database.recentAuditEntries(limit: 10).filter { $0.action == "branding.logo" }
            #expect(actions.count == 2)
        }
    }

    @Test func colourAndNameSettingsAreCheckedAndShownOnThePages() async throws {
        try await AdminClient.runBeside { api, admin in
            let token = try await admin.server.accounts.createToken(label: "branding", role: .administrator, by: "test").token
            let bad = try await admin.api(.put, "/admin/api/settings/branding", token: token,
                                          json: #"{"branding": {"accentColor": "red; background: url(https://evil.example)"}}"#)
            #expect(bad.status == .badRequest && bad.text.contains("branding.accentColor"))
            let longName = try await admin.api(.put, "/admin/api/settings/branding", token: token, json: #"{"branding": {"productName": "a\nb"}}"#)
            #expect(longName.status == .badRequest)
            let good = try await admin.api(.put, "/admin/api/settings/branding", token: token,
                                           json: ##"{"branding": {"productName": "Example Files", "accentColor": "#aa0011"}}"##)
            #expect(good.status == .ok)
            let css = try await api.client.execute(uri: "/branding.css", method: .get)
            #expect(css.text.contains("--accent: #aa0011;") && css.headers[.contentType] == "text/css; charset=utf-8")
            let page = try await api.client.execute(uri: "/", method: .get)
            #expect(page.text.contains(#"<span class="brand">Example Files</span>"#) && page.text.contains(#"href="/branding.css""#))
            #expect(page.text.contains("– Example Files</title>"))
            let read = try await admin.api(.get, "/admin/api/settings/branding", token: token)
            #expect(read.text.contains("Example Files"))
        }
    }

    @Test func thePageSavesNameColoursAndLogoAndPreviewsWithoutSaving() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ida", role: .administrator)
            let page = try await admin.send(.get, "/admin/branding")
            #expect(page.status == .ok && page.text.contains(#"id="branding-form""#) && page.text.contains(#"id="no-logo""#))
            // Without the page's CSRF token nothing happens.
            let forged = try await Self.post(admin, "/admin/branding", Self.fields + [("csrf", "forged")], logo: Self.png)
            #expect(forged.status == .forbidden)
            #expect(admin.server.branding.logo == nil)
            // A preview shows the unsaved values and logo and saves nothing.
            let preview = try await Self.post(admin, "/admin/branding/preview",
                                              Self.fields + [("csrf", admin.csrf), ("kind", "recipient-notification"), ("language", "de")], logo: Self.png)
            #expect(preview.status == .ok)
            #expect(preview.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(preview.text.contains(#"src="data:image/png;base64,"#) && preview.text.contains("background:#aa0011"))
            #expect(preview.text.contains("Dem Absender antworten") && preview.text.contains(#"alt="Example Files""#))
            #expect(admin.server.settings.current.branding == BrandingSettings() && admin.server.branding.logo == nil)
            // A refused logo names the reason beside the field and stores nothing.
            let refused = try await Self.post(admin, "/admin/branding", Self.fields + [("csrf", admin.csrf)], logo: Array(Self.scriptSVG.utf8))
            #expect(refused.status == .badRequest && refused.text.contains(#"id="logo-error""#) && refused.text.contains("&lt;script&gt;"))
            #expect(admin.server.settings.current.branding == BrandingSettings())
            let saved = try await Self.post(admin, "/admin/branding", Self.fields + [("csrf", admin.csrf)], logo: Self.png)
            #expect(saved.status == .seeOther)
            #expect(admin.server.settings.current.branding.accentColor == "#aa0011")
            #expect(admin.server.settings.current.branding.productName == "Example Files")
            #expect(admin.server.branding.logo?.bytes == Self.png)
            let shown = try await admin.send(.get, "/admin/branding")
            #expect(shown.text.contains(#"id="current-logo""#) && shown.text.contains(##"value="#aa0011""##))
            #expect(try await admin.send(.get, "/admin/branding/logo").bytes == Self.png)
            let removed = try await Self.post(admin, "/admin/branding", Self.fields + [("csrf", admin.csrf), ("removeLogo", "on")])
            #expect(removed.status == .seeOther && admin.server.branding.logo == nil)
        }
    }
}
