#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import SealdropStore
import Testing

/// Online backup and restore against the real SQLite online backup (`SQLiteBackupSnapshot`) and real blob files:
/// a backup taken while transfers are written, restored and downloaded; `verify` catching every kind of damage;
/// restore's refusals; pruning; the copy path when hard links are impossible; the scheduled task.
@Suite struct BackupServiceTests {
    /// A harness on disk with a `server.key` file beside the database, and the backup service over its data dir.
    struct Fixture {
        let h: ServiceHarness
        let service: BackupService
        let backups: String

        init(linker: any BackupFileLinker = POSIXBackupLinker(), database wrap: ((any BackupDatabaseSnapshotting) -> any BackupDatabaseSnapshotting)? = nil) throws {
            h = try ServiceHarness(onDisk: true)
            let data = h.dataDirectory
            try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: data + "/server.key"))
            let sources = BackupSources(databasePath: data + "/sealdrop.sqlite", serverKeyPath: data + "/server.key", blobDirectory: data + "/store/blobs",
                                        spoolDirectory: data + "/archive-spool", templatesDirectory: data + "/templates")
            let real = SQLiteBackupSnapshot(sourcePath: sources.databasePath)
            service = BackupService(sources: sources, database: wrap?(real) ?? real, linker: linker, serverVersion: "test", now: h.clock.closure)
            backups = h.directory.file("backups")
        }

        /// A finalized transfer of `size` bytes with the manual password.
        func provide(_ size: Int = 150_000, marker: String = "X") async throws -> (trackingId: TrackingID, fileId: FileID, content: [UInt8]) {
            let content = Sample.plaintext(size, marker: marker)
            let t = try await h.transfers().provide(by: Sample.sender(), files: [("f-\(marker).bin", content)])
            return (t.trackingId, t.fileIds[0], content)
        }

        /// The download service of a restored data dir.
        func downloads(restored: String) throws -> (DownloadService, SealdropDatabase) {
            let database = try SealdropDatabase.open(path: restored + "/sealdrop.sqlite", bodySealer: MailBodySealer(serverKey: h.serverKey))
            let blobs = try FileBlobStore(directory: restored + "/store")
            return (DownloadService(transfers: database, outbox: database, blobs: blobs, settings: h.settings, notifications: h.notifications,
                                    kdf: h.kdf, logger: h.logger, now: h.clock.closure), database)
        }
    }

    /// Transfers are created, uploaded and finalized while the backup runs. Every transfer finalized before it began
    /// is restored complete and downloads byte-identical with its password; the restored server's recovery finds
    /// nothing inconsistent.
    @Test func backupTakenWhileTransfersAreWrittenRestoresEveryEarlierTransfer() async throws {
        let f = try Fixture()
        var before: [(trackingId: TrackingID, fileId: FileID, content: [UInt8])] = []
        for i in 0..<6 { before.append(try await f.provide(100_000 + i * 37_000, marker: "before\(i)")) }
        let racing = Task {
            var made = 0
            while !Task.isCancelled, made < 40 {
                _ = try await f.provide(60_000, marker: "during\(made)")
                made += 1
            }
            return made
        }
        let report = try await f.service.create(into: f.backups, prefix: "sealdrop")
        let made = try await racing.value
        #expect(made > 0)
        #expect(report.name.hasPrefix("sealdrop-") && report.linked >= before.count && report.skippedTransfers == 0)
        let verification = try await f.service.verify(report.path)
        #expect(verification.isValid, "\(verification.problems)")
        #expect(verification.manifest?.includesServerKey == true)

        let restored = f.h.directory.file("restored/data")
        let restore = try await f.service.restore(from: report.path, to: restored)
        #expect(restore.files == report.files)
        let (downloads, database) = try f.downloads(restored: restored)
        for t in before {
            let bob = try #require(try await database.recipients(of: t.trackingId).first)
            let access = try await downloads.open(bob.transferId, password: Sample.manualPassword)
            #expect(try downloads.plaintext(access, t.fileId) == t.content)
        }
        let cleanup = CleanupService(transfers: database, verifications: database, blobs: try FileBlobStore(directory: restored + "/store"),
                                     settings: f.h.settings, notifications: f.h.notifications, logger: f.h.logger)
        let recovered = try await cleanup.recoverAfterStart()
        #expect(recovered.orphans == 0 && recovered.unfinished == 0)
        var st = stat()
        #expect(stat(restored, &st) == 0 && st.st_mode & 0o777 == 0o700)
        #expect(stat(restored + "/server.key", &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(stat(restored + "/sealdrop.sqlite", &st) == 0 && st.st_mode & 0o777 == 0o600)
    }

    /// Blobs are hard links of the live ones (same inode) on one file system.
    @Test func blobsAreHardLinkedOnTheSameFileSystem() async throws {
        let f = try Fixture()
        let t = try await f.provide()
        let report = try await f.service.create(into: f.backups, name: "linked")
        #expect(report.linked == 1)
        var live = stat(), copy = stat()
        #expect(stat(f.h.blobRoot + "/blobs/\(t.trackingId.rawValue)/\(t.fileId.rawValue).blob", &live) == 0)
        #expect(stat(report.path + "/store/blobs/\(t.trackingId.rawValue)/\(t.fileId.rawValue).blob", &copy) == 0)
        #expect(live.st_ino == copy.st_ino && copy.st_nlink == 2)
    }

    /// A linker that fails like a second file system (EXDEV): every blob is copied, nothing shares an inode, and the
    /// backup verifies and restores.
    @Test func crossDeviceLinksFallBackToStreamedCopies() async throws {
        let f = try Fixture(linker: FailingLinker(code: EXDEV))
        let t = try await f.provide(300_000)
        let report = try await f.service.create(into: f.backups, name: "copied")
        #expect(report.linked == 0 && report.files == 3)
        var copy = stat()
        #expect(stat(report.path + "/store/blobs/\(t.trackingId.rawValue)/\(t.fileId.rawValue).blob", &copy) == 0 && copy.st_nlink == 1)
        #expect(try await f.service.verify(report.path).isValid)
        // A link error that a copy cannot mend is reported, and no partial backup stays behind.
        let refusing = try Fixture(linker: FailingLinker(code: EACCES))
        _ = try await refusing.provide()
        do {
            _ = try await refusing.service.create(into: refusing.backups, name: "refused")
            Issue.record("a link refused with EACCES must fail the backup")
        } catch let BackupError.io(operation, _, code) {
            #expect(operation == "link" && code == EACCES)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: refusing.backups).filter { !$0.hasPrefix(".") }.isEmpty)
    }

    /// Tampering, truncation, a missing or extra file, a `.partial` folder, a missing manifest and a manifest path that
    /// leaves the folder are each refused by `verify`, and restore refuses such a backup.
    @Test func verifyRefusesEveryKindOfDamage() async throws {
        let f = try Fixture()
        let t = try await f.provide()
        let blob = "store/blobs/\(t.trackingId.rawValue)/\(t.fileId.rawValue).blob"
        func fresh(_ name: String) async throws -> String {
            let path = try await f.service.create(into: f.backups, name: name).path
            #expect(try await f.service.verify(path).isValid)
            return path
        }
        func problems(_ path: String) async throws -> [String] { try await f.service.verify(path).problems }

        // A flipped byte: copy-on-write first, so the live blob (same inode) stays intact.
        let flipped = try await fresh("flipped")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: flipped + "/" + blob)))
        bytes[bytes.count / 2] ^= 0x01
        try FileManager.default.removeItem(atPath: flipped + "/" + blob)
        try Data(bytes).write(to: URL(fileURLWithPath: flipped + "/" + blob))
        #expect(try await problems(flipped) == ["\(blob) does not match its SHA-256"])
        await #expect(throws: BackupError.self) { _ = try await f.service.restore(from: flipped, to: f.h.directory.file("r1")) }
        #expect(!FileManager.default.fileExists(atPath: f.h.directory.file("r1")))

        let truncated = try await fresh("truncated")
        try FileManager.default.removeItem(atPath: truncated + "/" + blob)
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: truncated + "/" + blob))
        #expect(try await problems(truncated).first?.contains("has 100 bytes") == true)

        let missing = try await fresh("missing")
        try FileManager.default.removeItem(atPath: missing + "/" + blob)
        #expect(try await problems(missing) == ["\(blob) is missing"])

        let extra = try await fresh("extra")
        try Data("x".utf8).write(to: URL(fileURLWithPath: extra + "/store/blobs/stray.blob"))
        #expect(try await problems(extra) == ["store/blobs/stray.blob is not in the manifest"])

        let unlisted = try await fresh("nomanifest")
        try FileManager.default.removeItem(atPath: unlisted + "/manifest.json")
        #expect(try await problems(unlisted) == ["it has no manifest.json"])

        let partial = try await fresh("partial")
        try FileManager.default.moveItem(atPath: partial, toPath: partial + ".partial")
        #expect(try await problems(partial + ".partial") == ["it is a partial backup (interrupted or still being written)"])

        for (i, trick) in ["../outside", "/etc/passwd", "store/../../x", "a//b"].enumerated() {
            let tricked = try await fresh("trick\(i)")
            var manifest = try BackupManifest.decode(Data(contentsOf: URL(fileURLWithPath: tricked + "/manifest.json")))
            manifest.files.append(.init(path: trick, size: 1, sha256: String(repeating: "0", count: 64)))
            try FileManager.default.removeItem(atPath: tricked + "/manifest.json")
            try manifest.encoded().write(to: URL(fileURLWithPath: tricked + "/manifest.json"))
            #expect(try await problems(tricked).first?.contains("unsafe path") == true, "\(trick)")
        }
    }

    /// Restore writes only into an empty or new directory, and a backup without the key needs the right key file.
    @Test func restoreRefusesANonEmptyTargetAndAWrongOrMissingKey() async throws {
        let f = try Fixture()
        _ = try await f.provide()
        let keyless = try await f.service.create(into: f.backups, name: "keyless", includeServerKey: false)
        let manifest = try #require(try await f.service.verify(keyless.path).manifest)
        #expect(!manifest.includesServerKey && !FileManager.default.fileExists(atPath: keyless.path + "/server.key"))

        let occupied = f.h.directory.file("occupied")
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: occupied + "/notes.txt"))
        await #expect(throws: BackupError.targetNotEmpty(path: occupied)) {
            _ = try await f.service.restore(from: keyless.path, to: occupied, serverKeyFile: f.h.dataDirectory + "/server.key")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied) == ["notes.txt"])

        let target = f.h.directory.file("new")
        await #expect(throws: BackupError.serverKeyMissing) { _ = try await f.service.restore(from: keyless.path, to: target) }
        let wrong = f.h.directory.file("wrong.key")
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: wrong))
        await #expect(throws: BackupError.serverKeyMismatch(path: wrong)) {
            _ = try await f.service.restore(from: keyless.path, to: target, serverKeyFile: wrong)
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        let empty = f.h.directory.file("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        _ = try await f.service.restore(from: keyless.path, to: empty, serverKeyFile: f.h.dataDirectory + "/server.key")
        #expect(FileManager.default.contents(atPath: empty + "/server.key") == FileManager.default.contents(atPath: f.h.dataDirectory + "/server.key"))
    }

    /// A transfer that ends between the snapshot and the taking of its blobs is recorded as skipped, and restore ends
    /// it in the restored database, so the restored server never offers a file without its blob.
    @Test func transferEndingDuringTheBackupIsEndedInTheRestoredDatabase() async throws {
        let holder = Holder()
        let f = try Fixture(database: { real in EndingSnapshot(real: real, holder: holder) })
        let kept = try await f.provide(marker: "kept")
        let ended = try await f.provide(marker: "ended")
        holder.set { try f.h.blobs.removeAll(trackingId: ended.trackingId) }
        let report = try await f.service.create(into: f.backups, name: "skipping")
        #expect(report.skippedTransfers == 1)
        let manifest = try #require(try await f.service.verify(report.path).manifest)
        #expect(manifest.skippedTransfers == [ended.trackingId.rawValue])
        let restored = f.h.directory.file("restored")
        #expect(try await f.service.restore(from: report.path, to: restored).endedTransfers == 1)
        let (downloads, database) = try f.downloads(restored: restored)
        #expect(try await database.transfer(ended.trackingId)?.state == .deletedByAdmin)
        #expect(try await database.transfer(kept.trackingId)?.state == .active)
        let bob = try #require(try await database.recipients(of: kept.trackingId).first)
        #expect(try downloads.plaintext(try await downloads.open(bob.transferId, password: Sample.manualPassword), kept.fileId) == kept.content)
    }

    /// Pruning keeps the newest `keep` complete backups of its own prefix; other prefixes and partial folders are
    /// left alone, and a stale partial is removed by the next backup.
    @Test func pruningKeepsTheNewestOfItsOwnPrefix() async throws {
        let f = try Fixture()
        _ = try await f.provide()
        var names: [String] = []
        for _ in 0..<4 {
            names.append(try await f.service.create(into: f.backups, prefix: "nightly").name)
            f.h.clock.advance(3600)
        }
        _ = try await f.service.create(into: f.backups, name: "other-1")
        try FileManager.default.createDirectory(atPath: f.backups + "/nightly-stale.partial", withIntermediateDirectories: false)
        let removed = try await f.service.prune(f.backups, prefix: "nightly", keep: 2)
        #expect(removed == [names[1], names[0]])
        let left = try await f.service.list(f.backups)
        #expect(Set(left.filter { $0.state == .complete }.map(\.name)) == [names[2], names[3], "other-1"])
        #expect(left.contains { $0.name == "nightly-stale" && $0.state == .partial })
        _ = try await f.service.create(into: f.backups, name: "later")
        #expect(!FileManager.default.fileExists(atPath: f.backups + "/nightly-stale.partial"))
    }

    /// Two writers never share a directory: a second `create` while the lock is held is refused.
    @Test func aSecondBackupIntoTheSameDirectoryIsRefused() async throws {
        let f = try Fixture()
        try FileManager.default.createDirectory(atPath: f.backups, withIntermediateDirectories: true)
        let lock = try BackupCatalog.lock(f.backups)
        defer { close(lock) }
        await #expect(throws: BackupError.busy(directory: f.backups)) { _ = try await f.service.create(into: f.backups, name: "second") }
    }

    /// The scheduled task: nothing without a directory; otherwise one backup, pruning to `keep`, and a one-line summary.
    @Test func scheduledTaskBacksUpAndPrunes() async throws {
        let f = try Fixture()
        _ = try await f.provide()
        let task = BackupTask(service: f.service, settings: f.h.settings)
        #expect(task.name == .backup)
        #expect(try await task.runOnce() == "no backup directory set")
        f.h.settings.update {
            $0.backup.directory = f.backups
            $0.backup.prefix = "task"
            $0.backup.keep = 1
        }
        let first = try await task.runOnce()
        #expect(first.hasPrefix("backup task-") && first.contains(": 3 files, ") && first.hasSuffix(" s)"), "\(first)")
        f.h.clock.advance(86400)
        let second = try await task.runOnce()
        #expect(second.hasSuffix(", 1 old removed"), "\(second)")
        #expect(try await f.service.list(f.backups).filter { $0.state == .complete }.count == 1)
        #expect(BackupTask.count(1_234_567) == "1,234,567" && BackupTask.bytes(10_952_166_605) == "10.2 GiB" && BackupTask.bytes(512) == "512 B")
    }

    /// A backup stopped between files (the server stopping) removes its partial folder: nothing is left to verify.
    @Test func cancelledBackupLeavesNothing() async throws {
        let f = try Fixture()
        _ = try await f.provide()
        let creator = BackupCreator(sources: f.service.sources, database: f.service.database, linker: POSIXBackupLinker(), serverVersion: "test",
                                    now: f.h.clock.closure, isCancelled: { true })
        #expect(throws: CancellationError.self) { _ = try creator.create(into: f.backups, name: "cancelled", includeServerKey: true) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.backups).filter { !$0.hasPrefix(".") }.isEmpty)
    }

    /// Cancelling the calling task reaches the backup's own thread.
    @Test func cancellingTheCallerReachesTheBackupThread() async throws {
        let running = Task {
            try await BackupService.onOwnThread { cancelled in
                while !cancelled() { usleep(1000) }
                return true
            }
        }
        running.cancel()
        #expect(try await running.value)
    }
}

/// A linker that always fails with `code`.
struct FailingLinker: BackupFileLinker {
    let code: Int32
    func link(_ source: String, _ destination: String) throws { throw BackupLinkFailure(code: code) }
}

/// Something to do once, right after the database snapshot.
final class Holder: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (() throws -> Void)?

    func set(_ action: @escaping () throws -> Void) { lock.withLock { self.action = action } }

    func run() throws {
        let action = lock.withLock { () -> (() throws -> Void)? in
            defer { self.action = nil }
            return self.action
        }
        try action?()
    }
}

/// The real snapshot, then an action (a transfer ending) before the blobs are taken.
struct EndingSnapshot: BackupDatabaseSnapshotting {
    let real: any BackupDatabaseSnapshotting
    let holder: Holder

    func snapshot(to path: String) throws -> BackupSnapshotContents {
        let contents = try real.snapshot(to: path)
        try holder.run()
        return contents
    }

    func reconcile(endedTransfers: [TrackingID], missingArchiveCopies: [TrackingID], inDatabaseAt path: String) throws {
        try real.reconcile(endedTransfers: endedTransfers, missingArchiveCopies: missingArchiveCopies, inDatabaseAt: path)
    }
}
