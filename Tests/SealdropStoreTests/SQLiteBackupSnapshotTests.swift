import Foundation
import SealdropCore
import SealdropStore
import Testing

/// The online backup of the SQLite file while a writer keeps inserting: the copy is one instant of the database,
/// a single self-contained file (no WAL beside it) that opens and migrates, and `reconcile` ends the transfers it is
/// told to.
@Suite struct SQLiteBackupSnapshotTests {
    @Test func snapshotUnderConcurrentWritesIsOneConsistentSelfContainedFile() async throws {
        let directory = try TemporaryDirectory()
        let live = try SealdropDatabase.open(path: directory.file("live.sqlite"), bodySealer: ReversingSealer())
        for _ in 0..<50 { try await live.insertSession(Fixture.session()) }
        let writer = Task {
            var written = 0
            while !Task.isCancelled, written < 2000 {
                try await live.insertSession(Fixture.session())
                written += 1
            }
            return written
        }
        let snapshot = SQLiteBackupSnapshot(sourcePath: directory.file("live.sqlite"))
        let contents = try snapshot.snapshot(to: directory.file("copy.sqlite"))
        writer.cancel()
        _ = try? await writer.value  // cancelled mid-write: GRDB answers CancellationError
        #expect(contents.blobs.isEmpty && contents.spoolFolders.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.file("copy.sqlite-wal")))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("copy.sqlite"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let copy = try SealdropDatabase.open(path: directory.file("copy.sqlite"), bodySealer: ReversingSealer())
        let copied = try await copy.liveTrackingIds()
        let now = try await live.liveTrackingIds()
        #expect(copied.count >= 50 && copied.isSubset(of: now))

        let ended = try #require(copied.first.flatMap(TrackingID.init(rawValue:)))
        try snapshot.reconcile(endedTransfers: [ended], missingArchiveCopies: [], inDatabaseAt: directory.file("copy.sqlite"))
        let reopened = try SealdropDatabase.open(path: directory.file("copy.sqlite"), bodySealer: ReversingSealer())
        #expect(try await reopened.transfer(ended)?.state == .deletedByAdmin)
        #expect(try await reopened.liveTrackingIds().count == copied.count - 1)
    }
}
