import Crypto
import Foundation
import Logging
import SealdropCore
@testable import SealdropServices
import SealdropStore
import Synchronization
import Testing

/// `UpdateCheckTask` with a scripted fetcher on the SQLite store: what each run records for the status page,
/// the replay guard, and one mail per version to the administrators, also across restarts.
@Suite struct UpdateCheckTaskTests {
    static let url = "https://updates.example/v1/manifest.json"
    /// The test signing key (kept as bytes: swift-crypto's key type is not `Sendable`).
    static let rawKey = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
    static var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: rawKey) }

    /// Answers fetches from a table the test changes between runs.
    final class ScriptedFetcher: UpdateManifestFetcher {
        let answers = Mutex<[String: Result<UpdateFetchResponse, UpdateCheckError>]>([:])

        func fetch(_ url: String) async throws -> UpdateFetchResponse {
            guard let answer = answers.withLock({ $0[url] }) else { return UpdateFetchResponse(status: 404, body: []) }
            return try answer.get()
        }

        /// Serves `manifest` signed with `key` (or with `signature` as the .sig file; nil: no .sig).
        func serve(_ manifest: String, signature: [UInt8]?? = .some(nil)) throws {
            let bytes = Array(manifest.utf8)
            var sig: [UInt8]?
            if case .some(let given) = signature {
                sig = try given ?? Array(UpdateCheckTaskTests.key.signature(for: bytes).base64EncodedString().utf8)
            }
            answers.withLock {
                $0[UpdateCheckTaskTests.url] = .success(UpdateFetchResponse(status: 200, body: bytes))
                $0[UpdateCheckTaskTests.url + ".sig"] = sig.map { .success(UpdateFetchResponse(status: 200, body: $0)) }
            }
        }

        func fail(_ error: UpdateCheckError) {
            answers.withLock { $0[UpdateCheckTaskTests.url] = .failure(error) }
        }
    }

    static func manifest(issuedAt: String, _ versions: [(String, String)]) -> String {
        let list = versions.map { #"{"version": "\#($0.0)", "released": "2026-11-30T09:00:00Z", "severity": "\#($0.1)", "notes": "https://sealdrop.example/releases/\#($0.0)"}"# }
        return #"{"issuedAt": "\#(issuedAt)", "versions": [\#(list.joined(separator: ", "))]}"#
    }

    static let newer = manifest(issuedAt: "2026-12-01T10:00:00Z", [("1.3.0", "fix"), ("1.4.0", "security")])
    static let old = manifest(issuedAt: "2026-11-01T10:00:00Z", [("1.3.0", "fix")])

    struct Harness {
        let database: SealdropDatabase
        let fetcher = ScriptedFetcher()
        let admins = Shared<[String]>(["admin@example.org", "Ops@Example.org", "ADMIN@example.org"])
        let clock = TestClock()

        init() throws {
            database = try SealdropDatabase.inMemory()
        }

        /// A task as the server builds it (`url` nil: off), running `running`.
        func task(running: String = "1.3.0", url: String? = UpdateCheckTaskTests.url) throws -> UpdateCheckTask {
            let notifications = Notifications(builder: MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org"),
                                              templates: try MailTemplates(), baseURL: "https://sealdrop.test")
            let admins = self.admins
            return UpdateCheckTask(configuration: .init(url: url, runningVersion: running), fetcher: fetcher,
                                   verifier: try UpdateSignatureVerifier(additional: [Array(UpdateCheckTaskTests.key.publicKey.rawRepresentation)]),
                                   repository: database, notifications: notifications, administratorAddresses: { admins.current },
                                   now: clock.closure, logger: Logger(label: "sealdrop.tests"))
        }

        func mails() async throws -> [OutboxMessage] {
            try await database.recentMessages(limit: 100).filter { $0.kind == "update-available" }
        }
    }

    @Test func aNewerVersionIsReportedAndMailedOncePerAdministrator() async throws {
        let h = try Harness()
        try h.fetcher.serve(Self.newer)
        let summary = try await h.task().runOnce()
        #expect(summary == "version 1.4.0 available (security); mailed to 2 administrators")
        let status = try await h.task().updateStatus()
        #expect(status.kind == .available && status.text == "version 1.4.0 available (security)")
        #expect(status.available?.notes == "https://sealdrop.example/releases/1.4.0")
        let mails = try await h.mails()
        #expect(Set(mails.map(\.envelopeTo)) == [["admin@example.org"], ["Ops@Example.org"]])
        let mail = try ParsedMail(mails[0].message)
        #expect(mails[0].subject == "Sealdrop 1.4.0 is available (security)")
        #expect(mail.body.contains("this server runs 1.3.0") && mail.body.contains("Release notes: https://sealdrop.example/releases/1.4.0"))
        #expect(mail.body.contains("It fixes security problems"))
        #expect(try #require(mail.html).contains(#"<a href="https://sealdrop.example/releases/1.4.0">"#))

        // The same manifest again (equal issuedAt is fine), and after a restart (a new task on the same database): no second mail.
        h.clock.advance(86400)
        #expect(try await h.task().runOnce() == "version 1.4.0 available (security)")
        #expect(try await h.mails().count == 2)
        #expect(try await h.database.announcedUpdateVersions() == ["1.4.0"])
    }

    @Test func theSameVersionIsUpToDate() async throws {
        let h = try Harness()
        try h.fetcher.serve(Self.newer)
        #expect(try await h.task(running: "1.4.0").runOnce() == "up to date (1.4.0)")
        #expect(try await h.task(running: "1.4.0").updateStatus().text == "up to date (1.4.0)")
        #expect(try await h.mails().isEmpty)
    }

    @Test func aReplayedOlderManifestIsRefusedAfterTheNewerWasAccepted() async throws {
        let h = try Harness()
        try h.fetcher.serve(Self.newer)
        _ = try await h.task().runOnce()
        try h.fetcher.serve(Self.old)
        h.clock.advance(60)
        await #expect(throws: UpdateCheckError.replayed(issuedAt: Date(timeIntervalSince1970: 1_793_527_200),
                                                        lastAccepted: Date(timeIntervalSince1970: 1_796_119_200))) {
            try await h.task().runOnce()
        }
        let status = try await h.task().updateStatus()
        #expect(status.kind == .failed)
        #expect(status.text.hasPrefix("last check failed: manifest issued at 2026-11-01T10:00:00Z is older than the one accepted before (2026-12-01T10:00:00Z): replay or downgrade refused, at "))
        // The release the accepted manifest offered is still known while the check fails.
        #expect(status.available?.version == "1.4.0")
        let state = try await h.database.updateCheckState()
        #expect(state.lastAcceptedIssuedAt == Date(timeIntervalSince1970: 1_796_119_200))
        // The next good manifest clears the failure.
        try h.fetcher.serve(Self.newer)
        _ = try await h.task().runOnce()
        #expect(try await h.task().updateStatus().kind == .available)
    }

    @Test func aBadOrMissingSignatureIsRefusedAndNothingIsAccepted() async throws {
        let h = try Harness()
        try h.fetcher.serve(Self.newer, signature: .some(Array(try Curve25519.Signing.PrivateKey().signature(for: Array(Self.newer.utf8)).base64EncodedString().utf8)))
        await #expect(throws: UpdateCheckError.badSignature("it does not verify with any trusted release key")) { try await h.task().runOnce() }
        #expect(try await h.task().updateStatus().text.hasPrefix("last check failed: bad signature: it does not verify with any trusted release key, at "))
        try h.fetcher.serve(Self.newer, signature: .none)
        await #expect(throws: UpdateCheckError.signatureMissing) { try await h.task().runOnce() }
        #expect(try await h.task().updateStatus().text.hasPrefix("last check failed: signature missing"))
        let state = try await h.database.updateCheckState()
        #expect(state.lastAcceptedIssuedAt == nil && state.available == nil && state.lastCheckedAt != nil)
        #expect(try await h.mails().isEmpty)
    }

    @Test func aCorrectlySignedButMalformedManifestIsRefused() async throws {
        let h = try Harness()
        try h.fetcher.serve(#"{"issuedAt": "2026-12-01T10:00:00Z", "versions": [{"version": "1.4"}]}"#)
        await #expect(throws: UpdateCheckError.malformed("versions[0].version is not a semantic version number")) { try await h.task().runOnce() }
        #expect(try await h.task().updateStatus().text.hasPrefix("last check failed: malformed manifest: versions[0].version"))
    }

    @Test func transportFailuresAreRecordedWithTheirReason() async throws {
        let h = try Harness()
        h.fetcher.fail(.unreachable(endpoint: "updates.example:443", detail: "connection refused"))
        await #expect(throws: UpdateCheckError.self) { try await h.task().runOnce() }
        #expect(try await h.task().updateStatus().text.hasPrefix("last check failed: cannot reach the update server updates.example:443 (connection refused), at "))
        h.fetcher.answers.withLock { $0[Self.url] = .success(UpdateFetchResponse(status: 503, body: [])) }
        await #expect(throws: UpdateCheckError.httpStatus(503, url: Self.url)) { try await h.task().runOnce() }
    }

    @Test func withoutAdministratorAddressesNothingIsMailedUntilOneIsSet() async throws {
        let h = try Harness()
        h.admins.update { $0 = [] }
        try h.fetcher.serve(Self.newer)
        #expect(try await h.task().runOnce() == "version 1.4.0 available (security); no administrator has a mail address")
        #expect(try await h.mails().isEmpty)
        h.admins.update { $0 = ["admin@example.org"] }
        #expect(try await h.task().runOnce() == "version 1.4.0 available (security); mailed to 1 administrator")
        #expect(try await h.mails().count == 1)
    }

    @Test func offChecksNothing() async throws {
        let h = try Harness()
        try h.fetcher.serve(Self.newer)
        let task = try h.task(url: nil)
        #expect(try await task.runOnce() == "update check is off")
        #expect(await task.updateStatus() == .off)
        #expect(try await h.database.updateCheckState() == UpdateCheckState())
    }
}
