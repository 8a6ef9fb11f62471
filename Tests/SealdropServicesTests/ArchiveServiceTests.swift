import Crypto
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import Testing

/// The archive queue with the local connector: what is prepared at finalize, what lands in the archive, and that
/// retries, crashes and revocations lose nothing.
@Suite struct ArchiveServiceTests {
    /// A harness archiving every transfer into a fresh directory (plain mode unless `mode` says otherwise).
    static func harness(_ configure: (inout SealdropSettings) -> Void = { _ in }) throws -> (ServiceHarness, String) {
        let h = try ServiceHarness {
            $0.archive.enabled = true
            $0.archive.connector = .local
            configure(&$0)
        }
        let target = h.directory.file("archive")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        h.settings.update { if $0.archive.url.isEmpty { $0.archive.url = "file://" + target } }
        return (h, target)
    }

    static func files(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }

    @Test func aSentTransferLandsInTheArchiveWithSafeNamesAndMetadata() async throws {
        let (h, target) = try Self.harness()
        let big = Sample.plaintext(300_000, marker: "ARCHIVE-PLAINTEXT-")
        let names = ["../../etc/passwd", "Report.pdf", "report.pdf", "CON.txt", "a:b?.txt"]
        let files = names.enumerated().map { (name: $1, bytes: $0 == 1 ? big : Array("file \($0)".utf8)) }
        let (trackingId, _, _) = try await h.transfers().provide(by: Sample.sender(), recipients: RecipientList(to: [Sample.bob], cc: [Sample.carol]), files: files)
        // Queued with the finalize, nothing written yet; the spool holds no plaintext.
        let job = try #require(try await h.database.archiveJob(trackingId))
        #expect(job.state == .pending && job.sealedKey != nil && job.entries.count == 6)
        for file in Self.files(h.spool.folder(trackingId)) {
            #expect(!contains(Array(try Data(contentsOf: URL(fileURLWithPath: h.spool.path(trackingId, file)))), Array("ARCHIVE-PLAINTEXT-".utf8)))
        }
        #expect(Self.files(target).isEmpty)

        #expect(try await h.archive().archiveDue() == 1)
        let folder = target + "/" + trackingId.rawValue
        #expect(Self.files(folder) == ["Report.pdf", "_.._etc_passwd", "_CON.txt", "a_b_.txt", "meta-info.xml", "report (2).pdf"].sorted())
        #expect(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: folder + "/Report.pdf"))) == SHA256.hash(data: Data(big)))
        #expect(try String(contentsOfFile: folder + "/_.._etc_passwd", encoding: .utf8) == "file 0")
        let done = try #require(try await h.database.archiveJob(trackingId))
        #expect(done.state == .archived && done.sealedKey == nil && done.attempts == 1)
        #expect(!FileManager.default.fileExists(atPath: h.spool.folder(trackingId)))

        // The metadata is well-formed XML naming the transfer, its people and files with their checksums.
        let xml = try XMLTexts(Data(contentsOf: URL(fileURLWithPath: folder + "/meta-info.xml")))
        #expect(xml.texts["trackingId"] == [trackingId.rawValue])
        #expect(xml.texts["recipient"] == [Sample.bob.address, Sample.carol.address])
        #expect(xml.texts["name"]?.contains("a:b?.txt") == true)
        #expect(xml.texts["name"]?.contains("../../etc/passwd") == true)
        #expect(xml.texts["archivedAs"]?.contains("report (2).pdf") == true)
        #expect(xml.texts["checksum"]?.contains(Sample.sha256Hex(big)) == true)
        #expect(xml.texts["fileChecksumAlgorithm"] == ["SHA-256"])
    }

    @Test func anUnreachableArchiveIsRetriedWithBackOffAndNothingIsLost() async throws {
        let (h, target) = try Self.harness { $0.archive.url = "file:///nonexistent-archive-dir-for-tests" }
        let (trackingId, _, _) = try await h.transfers().provide(by: Sample.sender())
        let service = h.archive()
        #expect(try await service.archiveDue() == 0)
        var job = try #require(try await h.database.archiveJob(trackingId))
        #expect(job.state == .pending && job.attempts == 1)
        #expect(job.lastError?.contains("does not exist") == true)
        #expect(job.nextAttemptAt == h.clock.now.addingTimeInterval(30))
        // Not due before its time; the second failure waits twice as long.
        #expect(try await service.archiveDue() == 0)
        h.clock.advance(31)
        #expect(try await service.archiveDue() == 0)
        job = try #require(try await h.database.archiveJob(trackingId))
        #expect(job.attempts == 2 && job.nextAttemptAt == h.clock.now.addingTimeInterval(60))
        // The administrator fixes the target; "retry" makes it due at once.
        h.settings.update { $0.archive.url = "file://" + target }
        #expect(try await service.retry(trackingId))
        #expect(try await service.archiveDue() == 1)
        #expect(Self.files(target + "/" + trackingId.rawValue) == ["meta-info.xml", "report.txt"])
    }

    @Test func aRepeatedAttemptReplacesPartialFilesAndLeavesOneCompleteCopy() async throws {
        let (h, target) = try Self.harness { $0.archive.readySuffix = ".ready" }
        let content = Sample.plaintext(200_000)
        let (trackingId, _, _) = try await h.transfers().provide(by: Sample.sender(), files: [("data.bin", content)])
        // What a crash mid-copy leaves: a half-written file under the write suffix and a stale one under the ready name.
        let folder = target + "/" + trackingId.rawValue
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(content.prefix(1000)).write(to: URL(fileURLWithPath: folder + "/data.bin.writing"))
        try Data("stale".utf8).write(to: URL(fileURLWithPath: folder + "/data.bin.ready"))
        #expect(try await h.archive().archiveDue() == 1)
        #expect(Self.files(folder) == ["data.bin.ready", "meta-info.xml.ready"])
        #expect(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: folder + "/data.bin.ready"))) == SHA256.hash(data: Data(content)))
    }

    @Test(arguments: ["revoked", "expired"])
    func aTransferEndedBeforeItWasArchivedIsStillArchived(ending: String) async throws {
        let (h, target) = try Self.harness { $0.archive.url = "file:///nonexistent-archive-dir-for-tests" }
        let content = Sample.plaintext(150_000)
        let sender = Sample.sender()
        let services = h.transfers()
        let (trackingId, _, _) = try await services.provide(by: sender, files: [("kept.bin", content)])
        _ = try await h.archive().archiveDue()
        if ending == "revoked" {
            _ = try await services.sent.revoke(trackingId, by: sender, options: .init())
        } else {
            h.clock.advance(30 * 86400)
            try await h.cleanup().runOnce()
            #expect(try await h.database.transfer(trackingId)?.state == .deletedByExpiration)
        }
        #expect(!h.hasBlobs(trackingId))
        h.settings.update { $0.archive.url = "file://" + target }
        h.clock.advance(3600)
        #expect(try await h.archive().archiveDue() == 1)
        #expect(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: target + "/" + trackingId.rawValue + "/kept.bin"))) == SHA256.hash(data: Data(content)))
    }

    @Test func rulesDecideWhichTransfersAreArchived() async throws {
        let (h, _) = try Self.harness {
            $0.archive.enabled = false
            var archived = PolicyRule(name: "archived partners")
            archived.recipient.patterns = ["partner.example"]
            archived.settings.archive = true
            var inside = PolicyRule(name: "internal")
            inside.recipient.patterns = ["example.net"]
            $0.policyRules.rules = [archived, inside]
        }
        let partner = try #require(EmailAddress("someone@partner.example"))
        let (toPartner, _, _) = try await h.transfers().provide(by: Sample.sender(), recipients: RecipientList(to: [partner]))
        let (toBob, _, _) = try await h.transfers().provide(by: Sample.sender())
        #expect(try await h.database.archiveJob(toPartner) != nil)
        #expect(try await h.database.archiveJob(toBob) == nil)
        #expect(try await h.database.archiveJob(toPartner)?.entries.first { $0.kind == .metadata } != nil)
    }

    @Test func spoolFoldersWithoutAJobAreRemovedAtStart() async throws {
        let (h, target) = try Self.harness()
        let (trackingId, _, _) = try await h.transfers().provide(by: Sample.sender())
        let orphan = try #require(TrackingID(rawValue: "20260101-120000-ABCDEFGH"))
        try FileManager.default.createDirectory(atPath: h.spool.folder(orphan), withIntermediateDirectories: true)
        #expect(try await h.archive().recoverAfterStart() == 1)
        #expect(FileManager.default.fileExists(atPath: h.spool.folder(trackingId)))
        #expect(try await h.archive().archiveDue() == 1)
        #expect(Self.files(target).count == 1)
    }

    @Test func theLocalCleanUpRemovesOnlyWhatTheArchiveSystemMarkedArchived() async throws {
        let (h, target) = try Self.harness()
        let (trackingId, _, _) = try await h.transfers().provide(by: Sample.sender(), files: [("a.txt", Array("a".utf8)), ("b.txt", Array("b".utf8))])
        #expect(try await h.archive().archiveDue() == 1)
        let folder = target + "/" + trackingId.rawValue
        try FileManager.default.moveItem(atPath: folder + "/a.txt", toPath: folder + "/a.txt.archived")
        #expect(try await h.archive().removeArchivedFromLocalTarget() == 1)
        #expect(Self.files(folder) == ["b.txt", "meta-info.xml"])
        for name in ["b.txt", "meta-info.xml"] { try FileManager.default.moveItem(atPath: folder + "/" + name, toPath: folder + "/" + name + ".archived") }
        #expect(try await h.archive().removeArchivedFromLocalTarget() == 2)
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func safeNamesAreDistinctAndPathFree() {
        #expect(ArchiveNames.distinct(["a.txt", "A.TXT", "a.txt", "meta-info.xml"], taken: ["meta-info.xml"])
            == ["a.txt", "A (2).TXT", "a (3).txt", "meta-info (2).xml"])
        #expect(ArchiveNames.safe("..") == "_")
        #expect(ArchiveNames.safe("/abs/path") == "_abs_path")
        #expect(ArchiveNames.safe("nul.tar.gz") == "_nul.tar.gz")
        #expect(ArchiveNames.safe(String(repeating: "ä", count: 200) + ".pdf").utf8.count <= 180)
        #expect(ArchiveNames.safe(String(repeating: "ä", count: 200) + ".pdf").hasSuffix(".pdf"))
        #expect(ArchiveNames.safe("x\u{202E}fdp.exe") == "x_fdp.exe")
    }
}

/// Element texts of an XML document, by element name, parsed with Foundation's XML parser.
final class XMLTexts: NSObject, XMLParserDelegate {
    var texts: [String: [String]] = [:]
    private var current = ""

    init(_ data: Data) throws {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.coderReadCorrupt) }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let text = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { texts[name, default: []].append(text) }
        current = ""
    }
}

/// What an archive copy leaves in the data dir (`docs/archiving.md`): age mode never keeps the transfer key, plain mode
/// keeps it sealed only until the copy is confirmed, and no plaintext is ever spooled.
@Suite struct ArchiveDataDirTests {
    @Test func anAgeCopyKeepsNoKeyAndNoPlaintextInTheDataDir() async throws {
        let recipient = try AgeRecipient(publicKey: Curve25519.KeyAgreement.PrivateKey().publicKey).description
        let h = try ServiceHarness(onDisk: true) {
            $0.archive.enabled = true
            $0.archive.mode = .age
            $0.archive.ageRecipients = [recipient]
            $0.archive.url = "file:///nonexistent-archive-dir-for-tests"
        }
        let content = Sample.plaintext(300_000, marker: "AGE-SPOOL-PLAINTEXT-")
        let (trackingId, password, _) = try await h.transfers().provide(by: Sample.sender(), files: [("secret.txt", content)])
        let job = try #require(try await h.database.archiveJob(trackingId))
        #expect(job.sealedKey == nil && job.mode == .age)
        #expect(job.entries.map(\.name) == ["secret.txt.age", "meta-info.xml.age"])
        try DataDirCopyTests.expectNoSecrets([("file plaintext", Array("AGE-SPOOL-PLAINTEXT-".utf8)), ("transfer password", Array(password.utf8))],
                                             inCopyOf: h.dataDirectory, phase: "age copy queued")
    }

    @Test func aPlainCopysKeyIsWipedFromTheDatabaseFilesOnceArchived() async throws {
        let h = try ServiceHarness(onDisk: true) { $0.archive.enabled = true }
        let target = h.directory.file("archive")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        h.settings.update { $0.archive.url = "file://" + target }
        let content = Sample.plaintext(200_000, marker: "PLAIN-SPOOL-PLAINTEXT-")
        let (trackingId, _, _) = try await h.transfers().provide(by: Sample.sender(), files: [("plain.txt", content)])
        let sealed = try #require(try await h.database.archiveJob(trackingId)?.sealedKey)
        // Spooled as ciphertext only: the blob's hard link and the sealed metadata.
        try DataDirCopyTests.expectNoSecrets([("file plaintext", Array("PLAIN-SPOOL-PLAINTEXT-".utf8))], inCopyOf: h.dataDirectory, phase: "plain copy queued")
        #expect(try await h.archive().archiveDue() == 1)
        try DataDirCopyTests.expectNoSecrets([("sealed transfer key", sealed)], inCopyOf: h.dataDirectory, phase: "plain copy archived")
    }
}
