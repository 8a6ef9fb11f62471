import Foundation
import Logging
import SealdropCore
import SealdropServices
import SealdropStore
import Testing
@testable import SealdropApp

/// The manifest peer of `scripts/peers/manifest.sh` (`MANIFEST_*`). Absent locally: the suite skips; where
/// `CI=true` it runs and fails, so CI cannot silently lose the update check's coverage.
enum ManifestPeer {
    static let environment = ProcessInfo.processInfo.environment
    static let missing: Comment = "manifest peer is not running: `source scripts/peers/manifest.sh && manifest_peer_start` exports MANIFEST_*"

    /// Where the scenarios are, the CA of the server certificate, the signing key and a URL nobody answers.
    struct Endpoint { let urlBase: String, port: Int, ca: String, keyPub: String, closedURL: String }

    static let endpoint: Endpoint? = {
        guard let base = environment["MANIFEST_URL_BASE"], let port = environment["MANIFEST_PORT"].flatMap(Int.init),
              let ca = environment["MANIFEST_CA"], let key = environment["MANIFEST_KEY_PUB"], let closed = environment["MANIFEST_CLOSED_URL"],
              !base.isEmpty, !key.isEmpty else { return nil }
        return Endpoint(urlBase: base, port: port, ca: ca, keyPub: key, closedURL: closed)
    }()

    static let shouldRun = endpoint != nil || environment["CI"] == "true"
}

/// `UpdateCheckTask` with the production `HTTPSManifestFetcher` against a real HTTPS server (Python `http.server`
/// + `ssl`, a test CA) serving manifests signed with `openssl pkeyutl -sign -rawin`: each scenario the issue names.
@Suite(.enabled(if: ManifestPeer.shouldRun, ManifestPeer.missing)) // Never skipped where CI=true.
struct UpdateCheckPeerTests {
    /// A task on a fresh in-memory database checking `url` through the production fetcher, running 1.3.0.
    struct Check {
        let database: SealdropDatabase
        let task: UpdateCheckTask

        init(_ peer: ManifestPeer.Endpoint, url: String, trustCA: Bool = true, database given: SealdropDatabase? = nil) throws {
            database = try given ?? SealdropDatabase.inMemory()
            let notifications = Notifications(builder: MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org"),
                                              templates: try MailTemplates(), baseURL: "https://sealdrop.test")
            task = UpdateCheckTask(
                configuration: .init(url: url, runningVersion: "1.3.0"),
                fetcher: HTTPSManifestFetcher(trustCAPath: trustCA ? peer.ca : nil),
                verifier: try UpdateSignatureVerifier(additional: UpdateSignatureVerifier.parseKeys(peer.keyPub)),
                repository: database, notifications: notifications, administratorAddresses: { ["admin@example.org"] },
                logger: Logger(label: "sealdrop.update.tests"))
        }

        /// Runs the check expecting `error`; returns the status line recorded for the page.
        func refused(_ error: UpdateCheckError, sourceLocation: SourceLocation = #_sourceLocation) async -> String {
            await #expect(throws: error, sourceLocation: sourceLocation) { try await task.runOnce() }
            return await task.updateStatus().text
        }
    }

    static func url(_ peer: ManifestPeer.Endpoint, _ scenario: String) -> String { "\(peer.urlBase)/\(scenario)/manifest.json" }

    @Test func aNewerSignedVersionIsAvailableAndMailedOnce() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let check = try Check(peer, url: Self.url(peer, "newer"))
        let started = ContinuousClock.now
        #expect(try await check.task.runOnce() == "version 1.4.0 available (security); mailed to 1 administrator")
        let elapsed = ContinuousClock.now - started
        print("update check against the peer (manifest + .sig over TLS): \(elapsed)")
        let status = await check.task.updateStatus()
        #expect(status.text == "version 1.4.0 available (security)")
        #expect(status.available?.notes == "https://sealdrop.example/releases/1.4.0")
        #expect(try await check.task.runOnce() == "version 1.4.0 available (security)")
        #expect(try await check.database.recentMessages(limit: 10).filter { $0.kind == "update-available" }.count == 1)
    }

    @Test func theSameVersionIsUpToDate() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let check = try Check(peer, url: Self.url(peer, "same"))
        #expect(try await check.task.runOnce() == "up to date (1.3.0)")
        #expect(await check.task.updateStatus().text == "up to date (1.3.0)")
    }

    @Test func aBadSignatureIsRefused() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let text = try await Check(peer, url: Self.url(peer, "badsig")).refused(.badSignature("it does not verify with any trusted release key"))
        #expect(text.hasPrefix("last check failed: bad signature: it does not verify with any trusted release key, at "))
    }

    @Test func aMissingSignatureIsRefused() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let text = try await Check(peer, url: Self.url(peer, "nosig")).refused(.signatureMissing)
        #expect(text.hasPrefix("last check failed: signature missing"))
    }

    @Test func aReplayedOlderManifestIsRefusedAfterTheNewerOne() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let database = try SealdropDatabase.inMemory()
        _ = try await Check(peer, url: Self.url(peer, "newer"), database: database).task.runOnce()
        // The older manifest is correctly signed: only the replay guard refuses it.
        let text = try await Check(peer, url: Self.url(peer, "old"), database: database)
            .refused(.replayed(issuedAt: Date(timeIntervalSince1970: 1_793_527_200), lastAccepted: Date(timeIntervalSince1970: 1_796_119_200)))
        #expect(text.hasPrefix("last check failed: manifest issued at 2026-11-01T10:00:00Z is older than the one accepted before (2026-12-01T10:00:00Z): replay or downgrade refused, at "))
        // On a fresh server the same older manifest is accepted: it is the order that is refused, not the file.
        #expect(try await Check(peer, url: Self.url(peer, "old")).task.runOnce() == "up to date (1.3.0)")
    }

    @Test func malformedJSONIsRefusedEvenWhenSigned() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let text = try await Check(peer, url: Self.url(peer, "garbage")).refused(.malformed("not a JSON object"))
        #expect(text.hasPrefix("last check failed: malformed manifest: not a JSON object"))
    }

    @Test(arguments: ["oversize", "oversize-chunked"])
    func aBodyOverOneMegabyteIsRefused(scenario: String) async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let text = try await Check(peer, url: Self.url(peer, scenario)).refused(.tooLarge(limit: 1_048_576))
        #expect(text.hasPrefix("last check failed: the manifest is over 1 MB"))
    }

    @Test func aRedirectToAnotherHostIsRefused() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let target = "https://localhost:\(peer.port)/newer/manifest.json"
        let text = try await Check(peer, url: Self.url(peer, "redirect-other")).refused(.redirectToOtherHost(location: target))
        #expect(text.hasPrefix("last check failed: refused a redirect to another host (\(target))"))
    }

    @Test func aRedirectOnTheSameHostIsFollowed() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        #expect(try await Check(peer, url: Self.url(peer, "redirect-same")).task.runOnce().hasPrefix("version 1.4.0 available (security)"))
    }

    @Test func aRedirectLoopEnds() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let text = try await Check(peer, url: Self.url(peer, "redirect-loop")).refused(.tooManyRedirects(3))
        #expect(text.hasPrefix("last check failed: more than 3 redirects"))
    }

    @Test func anUnreachableServerIsNamed() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let endpoint = try #require(URL(string: peer.closedURL)).port.map { "127.0.0.1:\($0)" } ?? ""
        let text = try await Check(peer, url: peer.closedURL).refused(.unreachable(endpoint: endpoint, detail: "connection refused"))
        #expect(text.hasPrefix("last check failed: cannot reach the update server \(endpoint) (connection refused), at "))
    }

    @Test func aServerOutsideTheTrustedRootsIsRefused() async throws {
        guard let peer = ManifestPeer.endpoint else { Issue.record(ManifestPeer.missing); return }
        let check = try Check(peer, url: Self.url(peer, "newer"), trustCA: false)
        await #expect(throws: UpdateCheckError.self) { try await check.task.runOnce() }
        let text = await check.task.updateStatus().text
        #expect(text.contains("cannot reach the update server 127.0.0.1:\(peer.port) (TLS certificate verification failed"), "\(text)")
    }
}
