import Crypto
import Foundation
import SealdropCore
import SealdropCrypto
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// Archiving in the admin interface and API, with the local connector: secrets never shown nor stored in the clear,
/// the check, a generated key's public line, the queue with retry, the transfer log's badge and the metrics.
@Suite struct ArchiveAdminTests {
    static let password = "Arch1ve-SSH-Secret"

    @Test func archiveSecretsAreNeverShownNorStoredInTheClear() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            var form = try AdminClient.submitted("archive", admin.server.settings.current)
            form = form.filter { !["archive.connector", "archive.url", "archive.password"].contains($0.0) }
            form += [("archive.connector", "sftp"), ("archive.url", "sftp://archiver@127.0.0.1:1/srv/archive"), ("archive.password", Self.password)]
            let saved = try await admin.post("/admin/settings/archive", form)
            #expect(saved.status == .seeOther, "\(saved.text.prefix(400))")
            #expect(admin.server.settings.current.archive.password == Self.password)
            // Saved again with the field left empty: the stored password stays.
            let emptied = form.map { $0.0 == "archive.password" ? ($0.0, "") : $0 }
            #expect(try await admin.post("/admin/settings/archive", emptied).status == .seeOther)
            #expect(admin.server.settings.current.archive.password == Self.password)

            let row = try #require(try await admin.server.database.persistedSettings())
            #expect(!row.contains(Self.password))
            let token = try await admin.server.accounts.createToken(label: "archive", role: .administrator, by: "test").token
            for uri in ["/admin/api/settings", "/admin/api/settings/archive"] {
                let answer = try await admin.api(.get, uri, token: token)
                #expect(answer.status == .ok && !answer.text.contains(Self.password), "\(uri)")
            }
            let page = try await admin.send(.get, "/admin/settings/archive")
            #expect(page.status == .ok && !page.text.contains(Self.password) && page.text.contains("check-archive"))
            admin.server.settings.update { $0.archive.password = "" }
            try await admin.server.runtimeSettings.loadPersisted()
            #expect(admin.server.settings.current.archive.password == Self.password)
        }
    }

    /// A recipient with a broken checksum or a template that does not compile would refuse every archived transfer at
    /// finalize: both are refused when saved, next to their key.
    @Test func brokenAgeRecipientsAndTemplatesAreRefusedWhenSaved() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let token = try await admin.server.accounts.createToken(label: "archive", role: .administrator, by: "test").token
            let good = try AgeRecipient(publicKey: Curve25519.KeyAgreement.PrivateKey().publicKey).description
            let broken = String(good.dropLast()) + (good.last == "q" ? "p" : "q")
            let refused = try await admin.api(.put, "/admin/api/settings/archive", token: token,
                                              json: #"{"archive": {"mode": "age", "ageRecipients": ["\#(broken)"]}}"#)
            #expect(refused.status == .badRequest && refused.text.contains("archive.ageRecipients"), "\(refused.text)")
            let template = try await admin.api(.put, "/admin/api/settings/archive", token: token, json: #"{"archive": {"metadataTemplate": "{{#files}}"}}"#)
            #expect(template.status == .badRequest && template.text.contains("archive.metadataTemplate"), "\(template.text)")
            let saved = try await admin.api(.put, "/admin/api/settings/archive", token: token,
                                            json: #"{"archive": {"mode": "age", "ageRecipients": ["\#(good)"]}}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(admin.server.settings.current.archive.ageRecipients == [good])
        }
    }

    @Test func aGeneratedKeyIsStoredSealedAndItsPublicLineShown() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let token = try await admin.server.accounts.createToken(label: "archive", role: .administrator, by: "test").token
            #expect(try await admin.api(.get, "/admin/api/archive/key", token: token).text.contains(#""publicKey":null"#))
            let made = try await admin.api(.post, "/admin/api/archive/key", token: token)
            #expect(made.status == .ok)
            let line = try #require((try JSONSerialization.jsonObject(with: Data(made.text.utf8)) as? [String: Any])?["publicKey"] as? String)
            #expect(line.hasPrefix("ssh-ed25519 AAAA") && line.hasSuffix(" sealdrop-archive"))
            let stored = admin.server.settings.current.archive.privateKey
            #expect(stored.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----"))
            let row = try #require(try await admin.server.database.persistedSettings())
            #expect(!row.contains("BEGIN OPENSSH PRIVATE KEY"))
            let again = try await admin.api(.get, "/admin/api/archive/key", token: token)
            #expect((try JSONSerialization.jsonObject(with: Data(again.text.utf8)) as? [String: Any])?["publicKey"] as? String == line)
            let page = try await admin.send(.get, "/admin/settings/archive")
            #expect(page.text.contains(line) && !page.text.contains("BEGIN OPENSSH"))
        }
    }

    @Test func theCheckReportsEachStepAndUnsavedSettingsAreChecked() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("archive-check-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let token = try await admin.server.accounts.createToken(label: "archive", role: .administrator, by: "test").token
            let missing = try await admin.api(.post, "/admin/api/archive/check", token: token, json: #"{"archive": {"url": "file:///no/such/dir"}}"#)
            #expect(missing.status == .ok && missing.text.contains(#""ok":false"#) && missing.text.contains("does not exist"))
            let good = try await admin.api(.post, "/admin/api/archive/check", token: token, json: #"{"archive": {"url": "file://\#(directory)"}}"#)
            #expect(good.status == .ok && good.text.contains(#""ok":true"#), "\(good.text)")
            let bad = try await admin.api(.post, "/admin/api/archive/check", token: token, json: #"{"archive": {"url": "ftp://x/y"}}"#)
            #expect(bad.status == .badRequest && bad.text.contains("archive.url"))
            // Nothing of it was saved.
            #expect(admin.server.settings.current.archive.url.isEmpty)
        }
    }

    @Test func theQueueShowsFailingCopiesWithABadgeAndRetriesOnRequest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("archive-queue-" + UUID().uuidString).path
        let settings = #"{"archive": {"enabled": true, "url": "file://\#(directory)"}}"#
        try await AdminClient.runBeside(settings: settings) { api, admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let token = try await admin.server.accounts.createToken(label: "archive", role: .administrator, by: "test").token
            let sent = try await api.sendTransfer()
            #expect(try await api.server.archive.archiveDue() == 0, "the directory does not exist yet")
            let jobs = try await admin.api(.get, "/admin/api/archive/jobs?state=pending", token: token)
            #expect(jobs.text.contains(sent.trackingId) && jobs.text.contains(#""pending":1"#) && jobs.text.contains("does not exist"))
            let log = try await admin.api(.get, "/admin/api/transfers", token: token)
            #expect(log.text.contains(#""archivingFailed":true"#) && log.text.contains(#""archive":"pending""#))
            let page = try await admin.send(.get, "/admin/log")
            #expect(page.text.contains("archiving-failed"))
            let details = try await admin.send(.get, "/admin/log/\(sent.trackingId)")
            #expect(details.text.contains(#"id="archive-state">pending"#) && details.text.contains(#"id="archive-retry""#))
            let detailsAPI = try await admin.api(.get, "/admin/api/transfers/\(sent.trackingId)", token: token)
            #expect(detailsAPI.text.contains(#""state":"pending""#) && detailsAPI.text.contains("does not exist"))
            let metrics = try await admin.send(.get, "/metrics")
            #expect(metrics.text.contains("sealdrop_archive_pending 1"))

            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            #expect(try await api.server.archive.archiveDue() == 0, "not due before the retry delay")
            #expect(try await admin.api(.post, "/admin/api/archive/jobs/\(sent.trackingId)/retry", token: token).status == .ok)
            #expect(try await api.server.archive.archiveDue() == 1)
            #expect(FileManager.default.fileExists(atPath: directory + "/" + sent.trackingId + "/hello.txt"))
            #expect(try await admin.api(.post, "/admin/api/archive/jobs/\(sent.trackingId)/retry", token: token).status == .notFound)
            let after = try await admin.api(.get, "/admin/api/transfers", token: token)
            #expect(after.text.contains(#""archivingFailed":false"#) && after.text.contains(#""archive":"archived""#))
        }
    }
}
