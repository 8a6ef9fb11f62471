import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SealdropHTTP
import Testing

/// The "Details" toggles (spec product §1.10): per-file details on the upload and the download page, open
/// unless the `show_upload_details` / `show_download_details` cookie says `false`; the script writes the
/// cookie, the server only reads it.
@Suite struct DetailsToggleTests {
    typealias Browser = RetrievePagesTests.Browser

    static func isOpen(_ page: TestResponse, _ id: String) -> Bool? {
        guard let tag = page.text.firstMatch(of: try! Regex("<details id=\"\(id)\"[^>]*>")) else { return nil }
        return String(page.text[tag.range]).hasSuffix(" open>")
    }

    @Test func uploadDetailsFollowTheCookie() async throws {
        try await TestServer.run { api in
            let (browser, _) = try await UploadPagesTests().ready(api)
            let plain = try await browser.request(.get, "/upload")
            #expect(Self.isOpen(plain, "upload-details") == true)
            #expect(plain.text.contains(#"data-cookie="show_upload_details""#) && plain.text.contains(">Details</summary>"))
            #expect(!RetrievePagesTests.setCookies(plain).keys.contains("show_upload_details"))
            browser.cookies["show_upload_details"] = "false"
            #expect(Self.isOpen(try await browser.request(.get, "/upload"), "upload-details") == false)
            browser.cookies["show_upload_details"] = "true"
            #expect(Self.isOpen(try await browser.request(.get, "/upload"), "upload-details") == true)
        }
    }

    @Test func downloadDetailsFollowTheCookie() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let browser = Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            _ = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": try browser.csrf(in: form)])
            let files = try await browser.request(.get, "/download/files?id=\(sent.transferId)")
            #expect(files.status == .ok)
            #expect(Self.isOpen(files, "download-details") == true)
            #expect(files.text.contains(#"data-cookie="show_download_details""#))
            browser.cookies["show_download_details"] = "false"
            let closed = try await browser.request(.get, "/download/files?id=\(sent.transferId)")
            #expect(Self.isOpen(closed, "download-details") == false)
            // The upload cookie does not close the download details.
            browser.cookies["show_download_details"] = nil
            browser.cookies["show_upload_details"] = "false"
            #expect(Self.isOpen(try await browser.request(.get, "/download/files?id=\(sent.transferId)"), "download-details") == true)
        }
    }

    @Test func theScriptWritesTheCookiesWithTheConventionsOfShowCc() async throws {
        try await TestServer.run { api in
            let js = try await api.client.execute(uri: "/static/sealdrop.js", method: .get, headers: [:], body: nil)
            #expect(js.text.contains(#"details[data-cookie]"#))
            #expect(js.text.contains("; Path=/; Max-Age=31536000; Secure; SameSite=Strict"))
        }
    }
}
