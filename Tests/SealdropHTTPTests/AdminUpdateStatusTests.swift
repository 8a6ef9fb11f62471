import Foundation
import HTTPTypes
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// The status page and `GET /admin/api/status` show the update check's state: not checked, available with the
/// release notes link (escaped), failed with the reason and time, or off (`SEALDROP_UPDATE_URL=off`).
@Suite struct AdminUpdateStatusTests {
    static let release = UpdateRelease(version: "1.4.0", released: Date(timeIntervalSince1970: 1_796_029_200), severity: .security,
                                       notes: "https://sealdrop.example/releases/1.4.0?from=0.1.0&lang=en")

    @Test func theServerRegistersTheUpdateCheckTask() async throws {
        try await AdminClient.run { admin in
            #expect(admin.server.scheduledTasks.map(\.name).contains(.updateCheck))
        }
    }

    @Test func statusShowsTheStoredUpdateState() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            let token = try await admin.server.accounts.createToken(label: "monitor", role: .logAnalyst, by: "test").token
            var body = try AdminClient.json(try await admin.api(.get, "/admin/api/status", token: token))
            #expect(body["updateStatus"] as? String == "not checked yet")
            #expect((body["update"] as? [String: Any])?["state"] as? String == "not-checked")

            let checked = Date(timeIntervalSince1970: 1_796_119_200)
            try await admin.server.database.saveUpdateCheckState(UpdateCheckState(lastAcceptedIssuedAt: checked, lastCheckedAt: checked,
                                                                                  lastAcceptedAt: checked, available: Self.release))
            body = try AdminClient.json(try await admin.api(.get, "/admin/api/status", token: token))
            #expect(body["updateStatus"] as? String == "version 1.4.0 available (security)")
            let update = try #require(body["update"] as? [String: Any])
            #expect(update["state"] as? String == "available")
            let available = try #require(update["available"] as? [String: Any])
            #expect(available["version"] as? String == "1.4.0" && available["severity"] as? String == "security")
            #expect(available["notes"] as? String == Self.release.notes)
            #expect((update["lastCheckedAt"] as? String).flatMap(APIDate.parse) == checked)

            try await admin.login("ada", role: .administrator)
            let page = try await admin.send(.get, "/admin")
            #expect(page.text.contains("version 1.4.0 available (security)"))
            #expect(page.text.contains(#"href="https://sealdrop.example/releases/1.4.0?from=0.1.0&amp;lang=en""#), "the notes link is escaped")

            try await admin.server.database.saveUpdateCheckState(UpdateCheckState(
                lastAcceptedIssuedAt: checked, lastCheckedAt: checked.addingTimeInterval(86400), lastAcceptedAt: checked, available: Self.release,
                failure: .init(reason: "signature missing (no .sig file beside the manifest)", at: checked.addingTimeInterval(86400))))
            body = try AdminClient.json(try await admin.api(.get, "/admin/api/status", token: token))
            #expect(body["updateStatus"] as? String == "last check failed: signature missing (no .sig file beside the manifest), at 2026-12-02 10:00:00 UTC")
            let failure = try #require((body["update"] as? [String: Any])?["lastFailure"] as? [String: Any])
            #expect(failure["reason"] as? String == "signature missing (no .sig file beside the manifest)")
            #expect((failure["at"] as? String).flatMap(APIDate.parse) == checked.addingTimeInterval(86400))
            #expect(try await admin.send(.get, "/admin").text.contains("last check failed: signature missing"))
        }
    }

    @Test func offIsShownAsOff() async throws {
        try await AdminClient.runBeside(environment: ["SEALDROP_UPDATE_URL": "off"]) { _, admin in
            let token = try await admin.server.accounts.createToken(label: "monitor", role: .logAnalyst, by: "test").token
            let body = try AdminClient.json(try await admin.api(.get, "/admin/api/status", token: token))
            #expect(body["updateStatus"] as? String == "update check is off")
            #expect((body["update"] as? [String: Any])?["state"] as? String == "off")
            let task = try #require(admin.server.scheduledTasks.first { $0.name == .updateCheck })
            #expect(try await task.runOnce() == "update check is off")
        }
    }
}
