import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SealdropHTTP
import Testing

/// A password policy the generator cannot meet is refused when the administrator saves it, with a problem
/// naming the field, so generated passwords are never empty or non-compliant.
@Suite struct PasswordPolicySettingsTests {
    static let everyGeneratorCharacter = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-=?@_~*"

    func fields(_ response: TestResponse) -> [String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) as? [String: Any]
        return ((object?["problems"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
    }

    @Test func aBlacklistEmptyingARequiredClassIsRefusedNamingTheField() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            let before = admin.server.settings.current
            let token = try await admin.server.accounts.createToken(label: "ci", role: .administrator, by: "test").token
            let everything = try await admin.api(.put, "/admin/api/settings/password", token: token,
                                                 json: #"{"password": {"blacklistedCharacters": "\#(Self.everyGeneratorCharacter)"}}"#)
            #expect(everything.status == .badRequest)
            #expect(fields(everything).contains("password.blacklistedCharacters"))
            let digits = try await admin.api(.put, "/admin/api/settings/password", token: token, json: #"{"password": {"blacklistedCharacters": "23456789"}}"#)
            #expect(digits.status == .badRequest)
            #expect(fields(digits) == ["password.blacklistedCharacters"])
            #expect(admin.server.settings.current == before)

            // The page form says so next to the field.
            try await admin.login("erin", role: .configAdmin)
            var form = try AdminClient.submitted("password", before)
            form.removeAll { $0.0 == "password.blacklistedCharacters" }
            form.append(("password.blacklistedCharacters", "23456789"))
            let page = try await admin.post("/admin/settings/password", form)
            #expect(page.status == .badRequest)
            #expect(page.text.contains(#"id="f-password-blacklistedCharacters-error">Leaves no digit, but the policy requires one.</p>"#), "\(page.text)")
            #expect(admin.server.settings.current == before)

            // Without the digit rule the same blacklist is fine.
            let lax = try await admin.api(.put, "/admin/api/settings/password", token: token,
                                          json: #"{"password": {"blacklistedCharacters": "23456789", "digitsRequired": false}}"#)
            #expect(lax.status == .ok)
        }
    }

    @Test func aServerWithSuchAPolicyDoesNotStart() throws {
        #expect(throws: (any Error).self) {
            _ = try TestServer.make(settings: #"{"password": {"blacklistedCharacters": "\#(Self.everyGeneratorCharacter)"}}"#)
        }
    }
}
