import Foundation
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// Backups in the admin interface and API: the `backup` settings section with its checks, `GET /admin/api/backups`
/// and the list on the backup page, over a real backup of the test server's data dir.
@Suite struct BackupAdminTests {
    @Test func backupsAreListedWithSizeAndState() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let token = try await admin.server.accounts.createToken(label: "backup", role: .administrator, by: "test").token
            let none = try await admin.api(.get, "/admin/api/backups", token: token)
            #expect(none.status == .ok)
            let noneBody = try AdminClient.json(none)
            #expect(noneBody["directory"] is NSNull && (noneBody["backups"] as? [Any])?.isEmpty == true)
            #expect(try await admin.send(.get, "/admin/settings/backup").text.contains("backup-none"))

            let refused = try await admin.api(.put, "/admin/api/settings/backup", token: token,
                                              json: #"{"backup": {"directory": "relative/dir", "prefix": "../x", "keep": 0}}"#)
            #expect(refused.status == .badRequest, "\(refused.text)")
            for key in ["backup.directory", "backup.prefix", "backup.keep"] { #expect(refused.text.contains(key), "\(key)") }

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sealdrop-backups-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let saved = try await admin.api(.put, "/admin/api/settings/backup", token: token,
                                            json: #"{"backup": {"directory": "\#(directory)", "prefix": "nightly", "keep": 3}}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(admin.server.settings.current.backup.directory == directory)

            let task = try #require(admin.server.scheduledTasks.first { $0.name == .backup })
            let summary = try await task.runOnce()
            #expect(summary.hasPrefix("backup nightly-"), "\(summary)")
            try FileManager.default.createDirectory(atPath: directory + "/nightly-20000101T000000Z.partial", withIntermediateDirectories: false)

            let listed = try AdminClient.json(try await admin.api(.get, "/admin/api/backups", token: token))
            #expect(listed["directory"] as? String == directory)
            let backups = try #require(listed["backups"] as? [[String: Any]])
            #expect(backups.count == 2)
            let complete = try #require(backups.first { $0["state"] as? String == "complete" })
            #expect((complete["name"] as? String)?.hasPrefix("nightly-") == true)
            #expect((complete["files"] as? Int ?? 0) >= 2 && (complete["size"] as? Int ?? 0) > 0 && complete["includesServerKey"] as? Bool == true)
            #expect(complete["createdAt"] is String)
            #expect(backups.contains { $0["state"] as? String == "partial" && $0["name"] as? String == "nightly-20000101T000000Z" })

            let page = try await admin.send(.get, "/admin/settings/backup")
            #expect(page.status == .ok && page.text.contains(#"id="backups""#) && page.text.contains(complete["name"] as? String ?? "?"))
        }
    }
}
