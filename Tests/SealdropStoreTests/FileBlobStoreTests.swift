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
        try handle.commit(trackingId: trackingId.rawValue, fileId: fileId.rawValue)
    }

    func readAll(_ trackingId: TrackingID, _ fileId: FileID) throws -> [UInt8] {
        let handle = try store.open(trackingId: trackingId.rawValue, fileId: fileId.rawValue)
        return try handle.read(at: 0, count: Int(handle.size))
    }

    @Test func temporaryBlobIsInvisibleUntilCommit() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        let handle = try store.beginWrite()
        try write(Array("partial upload".utf8), to: handle)
        #expect(try entries("blobs").isEmpty)
        #expect(try store.storedTrackingIds().isEmpty)
        #expect(throws: (any Error).self) { try store.open(trackingId: tid.rawValue, fileId: fid.rawValue) }
        let temps = try entries("tmp")
        #expect(temps.count == 1)
        #expect(temps[0].hasSuffix(".part"))

        try write(Array(" complete".utf8), to: handle)
        try handle.commit(trackingId: tid.rawValue, fileId: fid.rawValue)
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
        let earlier = try store.open(trackingId: tid.rawValue, fileId: fid.rawValue)
        try commit(Array("short".utf8), tid, fid)
        #expect(try readAll(tid, fid) == Array("short".utf8))
        #expect(try store.open(trackingId: tid.rawValue, fileId: fid.rawValue).size == 5)
        // A reader opened before the replacement keeps reading the old, complete blob.
        #expect(earlier.size == 5000)
        #expect(try earlier.read(at: 4990, count: 100) == Array(repeating: 0xAA, count: 10))
        #expect(try entries("blobs/\(tid.rawValue)") == ["\(fid.rawValue).blob"])
    }

    @Test func readHandleReadsExactRanges() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        let content = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try commit(content, tid, fid)
        let handle = try store.open(trackingId: tid.rawValue, fileId: fid.rawValue)
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
            let handle = try store.beginResumableWrite(trackingId: tid.rawValue, fileId: fid.rawValue)
            try write(Array("0123456789".utf8), to: handle)
            handle.release()
        }
        // A restart removes plain temporaries only.
        #expect(try store.removeTemporaries() == 0)
        #expect(try entries("partial") == ["\(tid.rawValue).\(fid.rawValue).part"])
        #expect(try store.resumableWrites().map { "\($0.trackingId) \($0.fileId)" } == ["\(tid.rawValue) \(fid.rawValue)"])
        #expect(try store.resumeWrite(trackingId: tid.rawValue, fileId: FileID.random().rawValue) == nil)

        let resumed = try #require(try store.resumeWrite(trackingId: tid.rawValue, fileId: fid.rawValue))
        #expect(resumed.reader.size == 10)
        #expect(try resumed.reader.read(at: 0, count: 10) == Array("0123456789".utf8))
        try resumed.writer.truncate(to: 4)
        try write(Array("abc".utf8), to: resumed.writer)
        try resumed.writer.commit(trackingId: tid.rawValue, fileId: fid.rawValue)
        #expect(try readAll(tid, fid) == Array("0123abc".utf8))
        #expect(try entries("partial").isEmpty)

        // Starting again empties the blob; removing the file or the transfer removes it.
        let again = try store.beginResumableWrite(trackingId: tid.rawValue, fileId: fid.rawValue)
        try write([1, 2, 3], to: again)
        let fresh = try store.beginResumableWrite(trackingId: tid.rawValue, fileId: fid.rawValue)
        #expect(try #require(try store.resumeWrite(trackingId: tid.rawValue, fileId: fid.rawValue)).reader.size == 0)
        fresh.release()
        try store.remove(trackingId: tid.rawValue, fileId: fid.rawValue)
        #expect(try entries("partial").isEmpty)
        let other = try store.beginResumableWrite(trackingId: tid.rawValue, fileId: FileID.random().rawValue)
        other.release()
        try store.removeAll(trackingId: tid.rawValue)
        #expect(try entries("partial").isEmpty)
        // Explicit discard deletes a resumable blob too.
        let dropped = try store.beginResumableWrite(trackingId: tid.rawValue, fileId: fid.rawValue)
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
        #expect(Set(try store.storedTrackingIds()) == [t1.rawValue, t2.rawValue])

        try store.remove(trackingId: t1.rawValue, fileId: f1.rawValue)
        #expect(throws: (any Error).self) { try store.open(trackingId: t1.rawValue, fileId: f1.rawValue) }
        #expect(try readAll(t1, f2) == [2])
        try store.remove(trackingId: t1.rawValue, fileId: f1.rawValue)

        try store.removeAll(trackingId: t1.rawValue)
        #expect(try store.storedTrackingIds() == [t2.rawValue])
        try store.removeAll(trackingId: t1.rawValue)
        #expect(try readAll(t2, f1) == [3])
    }

    @Test func storedFileIdsListsCommittedBlobsOnly() throws {
        let (t1, t2) = (TrackingID.random(), TrackingID.random(at: Date(timeIntervalSince1970: 1_600_000_000)))
        let (f1, f2) = (FileID.random(), FileID.random())
        #expect(try store.storedFileIds(trackingId: t1.rawValue).isEmpty)
        try commit([1], t1, f1)
        try commit([2], t1, f2)
        try commit([3], t2, f1)
        // Neither a temporary upload nor names the store did not make count as blobs.
        let pending = try store.beginWrite()
        try write([4], to: pending)
        for name in ["notes.txt", "bad-id.blob"] {
            #expect(FileManager.default.createFile(atPath: root + "/blobs/\(t1.rawValue)/" + name, contents: Data([1])))
        }
        #expect(Set(try store.storedFileIds(trackingId: t1.rawValue)) == [f1.rawValue, f2.rawValue])
        #expect(try store.storedFileIds(trackingId: t2.rawValue) == [f1.rawValue])

        try store.remove(trackingId: t1.rawValue, fileId: f1.rawValue)
        #expect(try store.storedFileIds(trackingId: t1.rawValue) == [f2.rawValue])
        #expect(throws: (any Error).self) { try store.storedFileIds(trackingId: "../x") }
        pending.discard()
    }

    @Test(arguments: [("../x", "Abcdef1234"), ("a/b", "Abcdef1234"), ("..", "Abcdef1234"),
                      ("20240522-065711-H8UoUSI6", "../x"), ("20240522-065711-H8UoUSI6", "a/b"), ("20240522-065711-H8UoUSI6", "../../../../escaped")])
    func invalidIdsAreRefused(trackingId: String, fileId: String) throws {
        let handle = try store.beginWrite()
        try write(Array("payload".utf8), to: handle)
        #expect(throws: (any Error).self) { try handle.commit(trackingId: trackingId, fileId: fileId) }
        #expect(throws: (any Error).self) { try store.open(trackingId: trackingId, fileId: fileId) }
        #expect(throws: (any Error).self) { try store.remove(trackingId: trackingId, fileId: fileId) }
        #expect(throws: (any Error).self) { try store.beginResumableWrite(trackingId: trackingId, fileId: fileId) }
        #expect(throws: (any Error).self) { try store.resumeWrite(trackingId: trackingId, fileId: fileId) }
        #expect(throws: (any Error).self) { try store.removeResumable(trackingId: trackingId, fileId: fileId) }
        if TrackingID(rawValue: trackingId) == nil {
            #expect(throws: (any Error).self) { try store.removeAll(trackingId: trackingId) }
        }
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
        try handle.commit(trackingId: tid.rawValue, fileId: fid.rawValue)
        #expect(permissions(root + "/blobs/" + tid.rawValue) == 0o700)
        #expect(permissions(root + "/blobs/\(tid.rawValue)/\(fid.rawValue).blob") == 0o600)
        #expect(permissions(root + "/partial") == 0o700)
        let resumable = try store.beginResumableWrite(trackingId: tid.rawValue, fileId: fid.rawValue)
        #expect(permissions(root + "/partial/\(tid.rawValue).\(fid.rawValue).part") == 0o600)
        resumable.discard()
    }

    @Test func reopeningAnExistingDirectoryKeepsBlobs() throws {
        let (tid, fid) = (TrackingID.random(), FileID.random())
        try commit([9, 8, 7], tid, fid)
        let again = try FileBlobStore(directory: root)
        let handle = try again.open(trackingId: tid.rawValue, fileId: fid.rawValue)
        #expect(try handle.read(at: 0, count: 3) == [9, 8, 7])
    }
}
