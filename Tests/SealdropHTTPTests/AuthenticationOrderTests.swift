import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SealdropHTTP
import Testing

/// Identity now arrives by construction (`VerifiedSenderContext`, `AdminContext`), made by middleware before the
/// handler runs; what a route refused before it asked for an identity must still be refused first, with the same
/// answer, for a caller who has none.
@Suite struct AuthenticationOrderTests {
    typealias Browser = RetrievePagesTests.Browser

    @Test func signedOutAdminRequestsForAnUnknownSettingsPageAreNotFound() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            let page = try await admin.send(.get, "/admin/settings/nosuch")
            #expect(page.status == .notFound)
            let api = try await admin.send(.get, "/admin/api/settings/nosuch")
            #expect(api.status == .notFound)
            #expect(try AdminClient.json(api)["errorCode"] as? String == "notFound")
            // A known page still leads to the login.
            let known = try await admin.send(.get, "/admin/settings/password")
            #expect(known.status == .seeOther && known.headers[.location]?.hasPrefix("/login?next=") == true)
        }
    }

    @Test func webPagesRefuseMalformedRequestsBeforeAskingForAnIdentity() async throws {
        try await TestServer.run { api in
            let browser = Browser(api)
            #expect(try await browser.request(.get, "/status?trackingId=nope").status == .notFound)
            #expect(try await browser.request(.get, "/upload/done?trackingId=nope").status == .notFound)
            // A revocation form without its CSRF token is stale, whoever sends it.
            #expect(try await browser.request(.post, "/status/revoke", form: ["trackingId": "20240522-065711-H8UoUSI6"]).status == .forbidden)
            // A well-formed request without an identity goes to verification and comes back.
            let status = try await browser.request(.get, "/status?trackingId=20240522-065711-H8UoUSI6")
            #expect(status.status == .seeOther)
            #expect(status.headers[.location] == "/sender?next=" + WebPages.queryEscape("/status?trackingId=20240522-065711-H8UoUSI6"))
            // The upload page's `from` names an identity this browser does not hold: verification first.
            let upload = try await browser.request(.get, "/upload?from=dave@example.com")
            #expect(upload.status == .seeOther && upload.headers[.location]?.hasPrefix("/sender?next=") == true)
        }
    }

    @Test func uploadAPIChecksItsCSRFHeaderBeforeTheIdentity() async throws {
        try await TestServer.run { api in
            let browser = Browser(api)
            let stale = try await browser.request(.get, "/upload/api/password")
            #expect(stale.status == .forbidden)
            let page = try await browser.request(.get, "/sender")
            let anonymous = try await browser.request(.get, "/upload/api/password", headers: ["X-CSRF-Token": try browser.csrf(in: page)])
            #expect(anonymous.status == .unauthorized)
        }
    }
}
