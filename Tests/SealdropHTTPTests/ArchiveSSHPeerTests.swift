import Crypto
import Foundation
import Testing

@testable import SealdropApp
import SealdropCore
import SealdropServices

/// The sshd peer of `scripts/peers/sshd.sh` (`SSH_*`), as the archive tests read it. Absent locally: the suite skips;
/// where `CI=true` it runs and fails, so CI cannot silently lose the archive coverage.
enum ArchivePeer {
    static let environment = ProcessInfo.processInfo.environment
    static let isCI = environment["CI"] == "true"
    static let missing: Comment = "sshd peer is not running: `source scripts/peers/sshd.sh && sshd_peer_start` exports SSH_*"

    static func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    static var available: Bool { value("SSH_PORT") != nil && value("SSH_ARCHIVE_DIR") != nil }
    static let shouldRun = available || isCI

    static var host: String { value("SSH_HOST") ?? "127.0.0.1" }
    static var port: String { value("SSH_PORT") ?? "" }
    static var hostKeys: Set<String> { Set(["SSH_HOST_FP_ED25519", "SSH_HOST_FP_ECDSA"].compactMap(value)) }

    /// Server settings archiving every transfer to `url` with `extra` archive keys.
    static func settings(url: String, _ extra: [String: Any]) throws -> String {
        var archive: [String: Any] = ["enabled": true, "connector": String(url.prefix { $0 != ":" }), "url": url]
        archive.merge(extra) { $1 }
        let data = try JSONSerialization.data(withJSONObject: ["archive": archive])
        return String(decoding: data, as: UTF8.self)
    }

    /// The host key the server presents to our client (Ed25519 or ECDSA), learned the way an administrator does.
    static func presentedHostKey(url: String, _ credentials: [String: Any]) async throws -> String {
        var settings = ArchiveSettings()
        settings.connector = url.hasPrefix("scp") ? .scp : .sftp
        settings.url = url
        settings.password = credentials["password"] as? String ?? ""
        settings.privateKey = credentials["privateKey"] as? String ?? ""
        let check = await SSHArchiveTarget(connector: settings.connector).check(settings, logger: .init(label: "archive-tests"))
        return try #require(check.hostKeyFingerprint)
    }

    static func files(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }
}

/// Archiving against a real OpenSSH server: SFTP (key and password, a chrooted SFTP-only account), SCP, pinned host
/// keys, sealed `age` archives opened by the real `age` tool.
@Suite(.enabled(if: ArchivePeer.shouldRun, ArchivePeer.missing), .serialized) // Never skipped where CI=true.
struct ArchiveSSHPeerTests {
    static let content = (0..<(3 * 1024 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 11)) }

    func requirePeer() -> Bool {
        if ArchivePeer.available { return true }
        Issue.record(ArchivePeer.missing)
        return false
    }

    @Test func sftpWithAKeyWritesEveryByteAndPinsTheHostKey() async throws {
        guard requirePeer(), let user = ArchivePeer.value("SSH_KEY_USER"), let keyFile = ArchivePeer.value("SSH_KEY_FILE"),
              let dir = ArchivePeer.value("SSH_ARCHIVE_DIR") else { return }
        let url = "sftp://\(user)@\(ArchivePeer.host):\(ArchivePeer.port)\(dir)"
        let key = try String(contentsOfFile: keyFile, encoding: .utf8)
        // Without an accepted host key nothing is written: the copy waits, and the check shows the key.
        let fingerprint = try await ArchivePeer.presentedHostKey(url: url, ["privateKey": key])
        #expect(ArchivePeer.hostKeys.contains(fingerprint))
        try await TestServer.run(settings: try ArchivePeer.settings(url: url, ["privateKey": key, "readySuffix": ".ready"])) { api in
            let sent = try await api.sendTransfer(files: [("big data.bin", Self.content), ("notes.txt", Array("notes".utf8))])
            #expect(try await api.server.archive.archiveDue() == 0)
            let trackingId = try #require(TrackingID(rawValue: sent.trackingId))
            let waiting = try #require(try await api.server.database.archiveJob(trackingId))
            #expect(waiting.lastError?.contains("no host key accepted") == true)
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + sent.trackingId))

            api.server.settings.update { $0.archive.hostKeyFingerprint = fingerprint }
            #expect(try await api.server.archive.retry(trackingId))
            #expect(try await api.server.archive.archiveDue() == 1)
            let folder = dir + "/" + sent.trackingId
            #expect(ArchivePeer.files(folder) == ["big data.bin.ready", "meta-info.xml.ready", "notes.txt.ready"])
            let written = try Data(contentsOf: URL(fileURLWithPath: folder + "/big data.bin.ready"))
            #expect(written.count == Self.content.count)
            #expect(SHA256.hash(data: written) == SHA256.hash(data: Data(Self.content)))
            let metadata = try String(contentsOfFile: folder + "/meta-info.xml.ready", encoding: .utf8)
            #expect(metadata.contains("<trackingId>\(sent.trackingId)</trackingId>"))
            #expect(metadata.contains(Data(SHA256.hash(data: Data(Self.content))).map { String(format: "%02x", $0) }.joined()))
        }
    }

    @Test func anotherHostKeyRefusesTheConnectionNamingBothFingerprints() async throws {
        guard requirePeer(), let user = ArchivePeer.value("SSH_PASSWORD_USER"), let password = ArchivePeer.value("SSH_PASSWORD"),
              let dir = ArchivePeer.value("SSH_ARCHIVE_DIR") else { return }
        let url = "sftp://\(user)@\(ArchivePeer.host):\(ArchivePeer.port)\(dir)"
        let wrong = "SHA256:" + Data(SHA256.hash(data: Data("not the server".utf8))).base64EncodedString().replacingOccurrences(of: "=", with: "")
        try await TestServer.run(settings: try ArchivePeer.settings(url: url, ["password": password, "hostKeyFingerprint": wrong])) { api in
            let sent = try await api.sendTransfer()
            #expect(try await api.server.archive.archiveDue() == 0)
            let trackingId = try #require(TrackingID(rawValue: sent.trackingId))
            let job = try #require(try await api.server.database.archiveJob(trackingId))
            let error = try #require(job.lastError)
            #expect(error.contains(wrong))
            #expect(ArchivePeer.hostKeys.contains { error.contains($0) })
            #expect(job.state == .pending)
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + sent.trackingId))
            // The check names the step and offers the key the server really has.
            var settings = api.server.settings.current.archive
            settings.hostKeyFingerprint = wrong
            let check = await api.server.archive.check(settings)
            #expect(check.steps.first { $0.step == "hostKey" }?.ok == false)
            #expect(check.hostKeyFingerprint.map(ArchivePeer.hostKeys.contains) == true)
        }
    }

    @Test func aChrootedSFTPOnlyAccountWithAPasswordReceivesTheCopy() async throws {
        guard requirePeer(), let user = ArchivePeer.value("SSH_SFTP_USER"), let password = ArchivePeer.value("SSH_SFTP_PASSWORD"),
              let root = ArchivePeer.value("SSH_SFTP_ROOT") else { return }
        let url = "sftp://\(user)@\(ArchivePeer.host):\(ArchivePeer.port)/archive"
        let fingerprint = try await ArchivePeer.presentedHostKey(url: url, ["password": password])
        try await TestServer.run(settings: try ArchivePeer.settings(url: url, ["password": password, "hostKeyFingerprint": fingerprint, "eml": true])) { api in
            let sent = try await api.sendTransfer(files: [("report.pdf", Self.content)])
            #expect(try await api.server.archive.archiveDue() == 1)
            let folder = root + "/archive/" + sent.trackingId
            #expect(ArchivePeer.files(folder) == ["meta-info.xml", "notification.eml", "report.pdf"])
            #expect(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: folder + "/report.pdf"))) == SHA256.hash(data: Data(Self.content)))
            let eml = try String(contentsOfFile: folder + "/notification.eml", encoding: .utf8)
            #expect(eml.contains("To: bob@example.org") || eml.contains("bob@example.org"))
            let check = await api.server.archive.check(api.server.settings.current.archive)
            #expect(check.ok, "\(check.steps)")
        }
    }

    @Test func scpWithAPasswordWritesUnderTheWriteSuffixAndRenames() async throws {
        guard requirePeer(), let user = ArchivePeer.value("SSH_PASSWORD_USER"), let password = ArchivePeer.value("SSH_PASSWORD"),
              let dir = ArchivePeer.value("SSH_ARCHIVE_DIR") else { return }
        let url = "scp://\(user)@\(ArchivePeer.host):\(ArchivePeer.port)\(dir)/scp target"
        let fingerprint = try await ArchivePeer.presentedHostKey(url: url, ["password": password])
        try await TestServer.run(settings: try ArchivePeer.settings(url: url, ["password": password, "hostKeyFingerprint": fingerprint])) { api in
            let sent = try await api.sendTransfer(files: [("it's a \"file\".bin", Self.content)])
            #expect(try await api.server.archive.archiveDue() == 1)
            let folder = dir + "/scp target/" + sent.trackingId
            #expect(ArchivePeer.files(folder) == ["it's a _file_.bin", "meta-info.xml"])
            #expect(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: folder + "/it's a _file_.bin"))) == SHA256.hash(data: Data(Self.content)))
        }
    }

    @Test func aSealedArchiveOpensWithTheAgeToolOnly() async throws {
        guard requirePeer(), let user = ArchivePeer.value("SSH_KEY_USER"), let keyFile = ArchivePeer.value("SSH_KEY_FILE"),
              let dir = ArchivePeer.value("SSH_ARCHIVE_DIR") else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen") else {
            Issue.record("the age tool is missing: apt-get install age")
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("age-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let recipient = try Self.run("/usr/bin/age-keygen", ["-o", work + "/identity.txt"], errorOutput: true)
            .split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        #expect(recipient.hasPrefix("age1"))
        let url = "sftp://\(user)@\(ArchivePeer.host):\(ArchivePeer.port)\(dir)"
        let key = try String(contentsOfFile: keyFile, encoding: .utf8)
        let fingerprint = try await ArchivePeer.presentedHostKey(url: url, ["privateKey": key])
        try await TestServer.run(settings: try ArchivePeer.settings(url: url, ["privateKey": key, "hostKeyFingerprint": fingerprint, "mode": "age",
                                                                                "ageRecipients": [recipient]])) { api in
            let sent = try await api.sendTransfer(files: [("secret.bin", Self.content)])
            // Prepared at finalize: the spool holds only age files and the job no key.
            let trackingId = try #require(TrackingID(rawValue: sent.trackingId))
            #expect(try await api.server.database.archiveJob(trackingId)?.sealedKey == nil)
            #expect(try await api.server.archive.archiveDue() == 1)
            let folder = dir + "/" + sent.trackingId
            #expect(ArchivePeer.files(folder) == ["meta-info.xml.age", "secret.bin.age"])
            let sealed = try Data(contentsOf: URL(fileURLWithPath: folder + "/secret.bin.age"))
            #expect(sealed.prefix(21) == Data("age-encryption.org/v1".utf8))
            _ = try Self.run("/usr/bin/age", ["-d", "-i", work + "/identity.txt", "-o", work + "/secret.bin", folder + "/secret.bin.age"])
            #expect(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: work + "/secret.bin"))) == SHA256.hash(data: Data(Self.content)))
            let metadata = try Self.run("/usr/bin/age", ["-d", "-i", work + "/identity.txt", folder + "/meta-info.xml.age"])
            #expect(metadata.contains("<archivedAs>secret.bin.age</archivedAs>"))
        }
    }

    /// Runs a tool and returns its standard output (or error output); a non-zero exit fails.
    static func run(_ path: String, _ arguments: [String], errorOutput: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: String(decoding: errors, as: UTF8.self)])
        }
        return String(decoding: errorOutput ? errors : output, as: UTF8.self)
    }
}
