import Foundation
import SealdropCore
import SealdropStore
import Testing

/// `FileBlobStore`: invisible temporaries, atomic commit, exact reads, crash clean-up, path safety, modes.
@Suite struct FileBlobStoreTests {
    let dir: TemporaryDirectory
    let store: FileBlobStore
    var root: String { dir.file("data") }

    init() throws {
        dir = try TemporaryDirectory()
        store = try FileBlobStore(directory: dir.file("data"))
    }

    func entries(_ sub: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/" + sub).sorted()
    }

    func write(_ bytes: [UInt8], to handle: any BlobWriteHandle) throws {
        try bytes.withUnsafeBytes { try handle.write($0) }
    }

    /// This process's descriptors open on files under the store (tests in parallel open their own elsewhere).
    func openFilesUnderRoot() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0))?.hasPrefix(root + "/") == true
        }
    }

    func commit(_ bytes: [UInt8], _ trackingId: TrackingID, _ fileId: FileID) throws {
        let handle = try store.beginWrite()
        try write(bytes, to: handle)
        try handle.commit(trackingId: trackingId, fileId: fileId)
    }

    func readAll(_ trackingId: TrackingID, _ fileId: FileID) throws -> [UInt8] {
        let handle = try store.open(trackingId: trackingId, fileId: fileId)
        return try handle.read(at: 0, count: Int(handle.size))
    }

    @Test func temporaryBlobIsInvisibleUntilCommit() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        let handle = try store.beginWrite()
        try write(Array("partial upload".utf8), to: handle)
        #expect(try entries("blobs").isEmpty)
        #expect(try store.storedTrackingIds().isEmpty)
        #expect(throws: (any Error).self) { try store.open(trackingId: tid, fileId: fid) }
        let temps = try entries("tmp")
        #expect(temps.count == 1)
        #expect(temps[0].hasSuffix(".part"))

        try write(Array(" complete".utf8), to: handle)
        try handle.commit(trackingId: tid, fileId: fid)
        #expect(try entries("tmp").isEmpty)
        #expect(try entries("blobs") == [tid.rawValue])
        #expect(try entries("blobs/\(tid.rawValue)") == ["\(fid.rawValue).blob"])
        #expect(try readAll(tid, fid) == Array("partial upload complete".utf8))
    }

    @Test func discardAndDeinitRemoveTheTemporaryFile() throws {
        let handle = try store.beginWrite()
        try write([1, 2, 3], to: handle)
        #expect(try entries("tmp").count == 1)
        handle.discard()
        #expect(try entries("tmp").isEmpty)
        handle.discard()

        do {
            let abandoned = try store.beginWrite()
            try write([4, 5, 6], to: abandoned)
            #expect(try entries("tmp").count == 1)
        }
        #expect(try entries("tmp").isEmpty)
        #expect(try entries("blobs").isEmpty)
    }

    @Test func writebackOfAWindowIsHandedOutOnceTheNextOneStarts() throws {
        let window = 8 << 20
        let handle = try store.beginWrite()
        #expect(try openFilesUnderRoot() == 1)
        try write([UInt8](repeating: 1, count: window), to: handle)
        // The first window was only started; nothing to wait for yet.
        #expect(handle.takeWriteback() == nil)
        try write([UInt8](repeating: 2, count: window), to: handle)
        let job = try #require(handle.takeWriteback())
        #expect(handle.takeWriteback() == nil)
        // The job holds its own descriptor: it runs after the handle is gone and closes it.
        #expect(try openFilesUnderRoot() == 2)
        handle.discard()
        #expect(try openFilesUnderRoot() == 1)
        job()
        #expect(try openFilesUnderRoot() == 0)
        #expect(try entries("tmp").isEmpty)
    }

    @Test func writebackNeverTakenIsFoldedIntoTheNextAndForgottenWhenCutOff() throws {
        let window = 8 << 20
        let handle = try store.beginWrite()
        for byte in UInt8(1)...3 { try write([UInt8](repeating: byte, count: window), to: handle) }
        #expect(handle.takeWriteback() != nil)
        #expect(handle.takeWriteback() == nil)
        try write([UInt8](repeating: 4, count: window), to: handle)
        try handle.truncate(to: Int64(window))
        #expect(handle.takeWriteback() == nil)
        handle.discard()
    }

    @Test func commitReplacesAnEarlierBlob() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        try commit(Array(repeating: 0xAA, count: 5000), tid, fid)
        let earlier = try store.open(trackingId: tid, fileId: fid)
        try commit(Array("short".utf8), tid, fid)
        #expect(try readAll(tid, fid) == Array("short".utf8))
        #expect(try store.open(trackingId: tid, fileId: fid).size == 5)
        // A reader opened before the replacement keeps reading the old, complete blob.
        #expect(earlier.size == 5000)
        #expect(try earlier.read(at: 4990, count: 100) == Array(repeating: 0xAA, count: 10))
        #expect(try entries("blobs/\(tid.rawValue)") == ["\(fid.rawValue).blob"])
    }

    @Test func readHandleReadsExactRanges() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        let content = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try commit(content, tid, fid)
        let handle = try store.open(trackingId: tid, fileId: fid)
        #expect(handle.size == 100_000)
        #expect(try handle.read(at: 0, count: 16) == Array(content[0..<16]))
        #expect(try handle.read(at: 65_530, count: 20) == Array(content[65_530..<65_550]))
        #expect(try handle.read(at: 99_990, count: 50) == Array(content[99_990...]))
        #expect(try handle.read(at: 100_000, count: 10).isEmpty)
        #expect(try handle.read(at: 200_000, count: 10).isEmpty)
        #expect(try handle.read(at: 5, count: 0).isEmpty)
        #expect(try handle.read(at: 0, count: 100_000) == content)
    }

    @Test func resumableBlobOutlivesItsHandleAndContinuesWhereItWasCut() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        do {
            let handle = try store.beginResumableWrite(trackingId: tid, fileId: fid)
            try write(Array("0123456789".utf8), to: handle)
            handle.release()
        }
        // A restart removes plain temporaries only.
        #expect(try store.removeTemporaries() == 0)
        #expect(try entries("partial") == ["\(tid.rawValue).\(fid.rawValue).part"])
        #expect(try store.resumableWrites().map { "\($0.trackingId.rawValue) \($0.fileId.rawValue)" } == ["\(tid.rawValue) \(fid.rawValue)"])
        #expect(try store.resumeWrite(trackingId: tid, fileId: FileID.random()) == nil)

        let resumed = try #require(try store.resumeWrite(trackingId: tid, fileId: fid))
        #expect(resumed.reader.size == 10)
        #expect(try resumed.reader.read(at: 0, count: 10) == Array("0123456789".utf8))
        try resumed.writer.truncate(to: 4)
        try write(Array("abc".utf8), to: resumed.writer)
        try resumed.writer.commit(trackingId: tid, fileId: fid)
        #expect(try readAll(tid, fid) == Array("0123abc".utf8))
        #expect(try entries("partial").isEmpty)

        // Starting again empties the blob; removing the file or the transfer removes it.
        let again = try store.beginResumableWrite(trackingId: tid, fileId: fid)
        try write([1, 2, 3], to: again)
        let fresh = try store.beginResumableWrite(trackingId: tid, fileId: fid)
        #expect(try #require(try store.resumeWrite(trackingId: tid, fileId: fid)).reader.size == 0)
        fresh.release()
        try store.remove(trackingId: tid, fileId: fid)
        #expect(try entries("partial").isEmpty)
        let other = try store.beginResumableWrite(trackingId: tid, fileId: FileID.random())
        other.release()
        try store.removeAll(trackingId: tid)
        #expect(try entries("partial").isEmpty)
        // Explicit discard deletes a resumable blob too.
        let dropped = try store.beginResumableWrite(trackingId: tid, fileId: fid)
        dropped.discard()
        #expect(try entries("partial").isEmpty)
    }

    @Test func removeTemporariesDeletesLeftoversOnly() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        try commit([7, 7, 7], tid, fid)
        // What a crash leaves behind: partial uploads nobody will finish.
        for name in ["AAAA.part", "BBBB.part"] {
            #expect(FileManager.default.createFile(atPath: root + "/tmp/" + name, contents: Data([1, 2])))
        }
        #expect(try store.removeTemporaries() == 2)
        #expect(try entries("tmp").isEmpty)
        #expect(try readAll(tid, fid) == [7, 7, 7])
        #expect(try store.removeTemporaries() == 0)
    }

    @Test func storedTrackingIdsAndRemoval() throws {
        let (t1, t2) = (TrackingID.random(), TrackingID.random(at: Date(timeIntervalSince1970: 1_600_000_000)))
        let (f1, f2) = (FileID.random(), FileID.random())
        try commit([1], t1, f1)
        try commit([2], t1, f2)
        try commit([3], t2, f1)
        try FileManager.default.createDirectory(atPath: root + "/blobs/not-a-tracking-id", withIntermediateDirectories: false)
        #expect(Set(try store.storedTrackingIds()) == [t1, t2])

        try store.remove(trackingId: t1, fileId: f1)
        #expect(throws: (any Error).self) { try store.open(trackingId: t1, fileId: f1) }
        #expect(try readAll(t1, f2) == [2])
        try store.remove(trackingId: t1, fileId: f1)

        try store.removeAll(trackingId: t1)
        #expect(try store.storedTrackingIds() == [t2])
        try store.removeAll(trackingId: t1)
        #expect(try readAll(t2, f1) == [3])
    }

    @Test func storedFileIdsListsCommittedBlobsOnly() throws {
        let (t1, t2) = (TrackingID.random(), TrackingID.random(at: Date(timeIntervalSince1970: 1_600_000_000)))
        let (f1, f2) = (FileID.random(), FileID.random())
        #expect(try store.storedFileIds(trackingId: t1).isEmpty)
        try commit([1], t1, f1)
        try commit([2], t1, f2)
        try commit([3], t2, f1)
        // Neither a temporary upload nor names the store did not make count as blobs.
        let pending = try store.beginWrite()
        try write([4], to: pending)
        for name in ["notes.txt", "bad-id.blob"] {
            #expect(FileManager.default.createFile(atPath: root + "/blobs/\(t1.rawValue)/" + name, contents: Data([1])))
        }
        #expect(Set(try store.storedFileIds(trackingId: t1)) == [f1, f2])
        #expect(try store.storedFileIds(trackingId: t2) == [f1])

        try store.remove(trackingId: t1, fileId: f1)
        #expect(try store.storedFileIds(trackingId: t1) == [f2])
        // A path is no tracking id, so it cannot name a directory of the store.
        #expect(TrackingID(rawValue: "../x") == nil)
        pending.discard()
    }

    @Test(arguments: [("../x", "Abcdef1234"), ("a/b", "Abcdef1234"), ("..", "Abcdef1234"),
                      ("20240522-065711-H8UoUSI6", "../x"), ("20240522-065711-H8UoUSI6", "a/b"), ("20240522-065711-H8UoUSI6", "../../../../escaped")])
    func invalidIdsAreRefused(trackingId: String, fileId: String) throws {
        let handle = try store.beginWrite()
        try write(Array("payload".utf8), to: handle)
        // The store takes typed ids only, and none of these strings becomes one: no commit, open, remove, resumable
        // write or removal can name them (each such call used to be refused here with the strings).
        #expect(TrackingID(rawValue: trackingId) == nil || FileID(rawValue: fileId) == nil)
        handle.discard()
        // Nothing appeared anywhere: not beside the store, not inside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["data"])
        #expect(try entries("").sorted() == ["blobs", "partial", "tmp"])
        #expect(try entries("partial").isEmpty)
        #expect(try entries("blobs").isEmpty)
        #expect(try entries("tmp").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root + "/x"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("x")))
    }

    @Test func filesAndDirectoriesArePrivate() throws {
        #expect(permissions(root) == 0o700)
        #expect(permissions(root + "/blobs") == 0o700)
        #expect(permissions(root + "/tmp") == 0o700)
        let handle = try store.beginWrite()
        try write([1, 2, 3], to: handle)
        let temp = try #require(try entries("tmp").first)
        #expect(permissions(root + "/tmp/" + temp) == 0o600)
        let (tid, fid) = (TrackingID.random(), FileID.random())
        try handle.commit(trackingId: tid, fileId: fid)
        #expect(permissions(root + "/blobs/" + tid.rawValue) == 0o700)
        #expect(permissions(root + "/blobs/\(tid.rawValue)/\(fid.rawValue).blob") == 0o600)
        #expect(permissions(root + "/partial") == 0o700)
        let resumable = try store.beginResumableWrite(trackingId: tid, fileId: fid)
        #expect(permissions(root + "/partial/\(tid.rawValue).\(fid.rawValue).part") == 0o600)
        resumable.discard()
    }

    @Test func reopeningAnExistingDirectoryKeepsBlobs() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        try commit([9, 8, 7], tid, fid)
        let again = try FileBlobStore(directory: root)
        let handle = try again.open(trackingId: tid, fileId: fid)
        #expect(try handle.read(at: 0, count: 3) == [9, 8, 7])
    }
}
