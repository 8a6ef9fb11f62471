#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SealdropCore

/// Blobs as files under the data dir: `blobs/<tracking id>/<file id>.blob`, uploads in `tmp/` until complete,
/// resumable (chunked) uploads in `partial/<tracking id>.<file id>.part` until complete.
///
/// Names on disk are only ever server-generated ids (validated again here), never user file names.
public struct FileBlobStore: BlobStore {
    let root: String

    /// Creates the store below `directory`, creating `blobs/`, `tmp/` and `partial/` with mode 0700.
    public init(directory: String) throws {
        self.root = directory
        for sub in ["", "/blobs", "/tmp", "/partial"] {
            let path = directory + sub
            if mkdir(path, 0o700) != 0 && errno != EEXIST { throw POSIXFileError(op: "mkdir", path: path, code: errno) }
        }
    }

    var tmpDir: String { root + "/tmp" }
    var blobDir: String { root + "/blobs" }
    var partialDir: String { root + "/partial" }

    /// The directory of a transfer's committed blobs; the typed id is a safe path segment by construction.
    func transferDir(_ trackingId: TrackingID) -> String {
        blobDir + "/" + trackingId.rawValue
    }

    /// Where a file's committed blob lives.
    func blobPath(_ trackingId: TrackingID, _ fileId: FileID) -> String {
        transferDir(trackingId) + "/" + fileId.rawValue + ".blob"
    }

    /// Where a file's resumable temporary blob lives.
    func partialPath(_ trackingId: TrackingID, _ fileId: FileID) -> String {
        partialDir + "/" + trackingId.rawValue + "." + fileId.rawValue + ".part"
    }

    public func beginWrite() throws -> any BlobWriteHandle {
        let name = tmpDir + "/" + FileID.random().rawValue + FileID.random().rawValue + ".part"
        let fd = Glibc.open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXFileError.from(op: "create", path: name, code: errno) }
        return FileBlobWriteHandle(fd: fd, tempPath: name, store: self)
    }

    public func beginResumableWrite(trackingId: TrackingID, fileId: FileID) throws -> any BlobWriteHandle {
        let name = partialPath(trackingId, fileId)
        let fd = Glibc.open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXFileError.from(op: "create", path: name, code: errno) }
        return FileBlobWriteHandle(fd: fd, tempPath: name, store: self, resumable: true)
    }

    public func resumeWrite(trackingId: TrackingID, fileId: FileID) throws -> (reader: any BlobReadHandle, writer: any BlobWriteHandle)? {
        let name = partialPath(trackingId, fileId)
        let fd = Glibc.open(name, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw POSIXFileError.from(op: "open", path: name, code: errno)
        }
        var st = stat()
        let readFd = fstat(fd, &st) == 0 && lseek(fd, 0, SEEK_END) >= 0 ? dup(fd) : -1
        guard readFd >= 0 else {
            let code = errno
            close(fd)
            throw POSIXFileError(op: "reopen", path: name, code: code)
        }
        let size = Int64(st.st_size)
        return (FileBlobReadHandle(fd: readFd, size: size),
                FileBlobWriteHandle(fd: fd, tempPath: name, store: self, resumable: true, existing: size))
    }

    public func resumableWrites() throws -> [(trackingId: TrackingID, fileId: FileID)] {
        try FileManager.default.contentsOfDirectory(atPath: partialDir).compactMap { name in
            guard name.hasSuffix(".part") else { return nil }
            let parts = name.dropLast(".part".count).split(separator: ".")
            guard parts.count == 2, let trackingId = TrackingID(rawValue: String(parts[0])), let fileId = FileID(rawValue: String(parts[1])) else {
                return nil
            }
            return (trackingId, fileId)
        }
    }

    public func removeResumable(trackingId: TrackingID, fileId: FileID) throws {
        let path = partialPath(trackingId, fileId)
        if unlink(path) != 0 && errno != ENOENT { throw POSIXFileError(op: "unlink", path: path, code: errno) }
    }

    public func open(trackingId: TrackingID, fileId: FileID) throws -> any BlobReadHandle {
        let path = blobPath(trackingId, fileId)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXFileError.from(op: "open", path: path, code: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw POSIXFileError(op: "stat", path: path, code: code)
        }
        return FileBlobReadHandle(fd: fd, size: Int64(st.st_size))
    }

    public func export(trackingId: TrackingID, fileId: FileID, to path: String) throws {
        let source = blobPath(trackingId, fileId)
        unlink(path)
        if link(source, path) == 0 { return }
        // Another file system (a spool on its own mount): copy and sync.
        guard errno == EXDEV || errno == EPERM else { throw POSIXFileError.from(op: "link", path: path, code: errno) }
        let input = Glibc.open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw POSIXFileError.from(op: "open", path: source, code: errno) }
        defer { close(input) }
        let output = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw POSIXFileError.from(op: "open", path: path, code: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw POSIXFileError.from(op: "read", path: source, code: errno) }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, n - offset) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { throw POSIXFileError.from(op: "write", path: path, code: errno) }
                offset += w
            }
        }
        guard fsync(output) == 0 else { throw POSIXFileError.from(op: "fsync", path: path, code: errno) }
    }

    public func remove(trackingId: TrackingID, fileId: FileID) throws {
        let path = blobPath(trackingId, fileId)
        if unlink(path) != 0 && errno != ENOENT { throw POSIXFileError(op: "unlink", path: path, code: errno) }
        try removeResumable(trackingId: trackingId, fileId: fileId)
    }

    public func removeAll(trackingId: TrackingID) throws {
        for partial in try resumableWrites() where partial.trackingId == trackingId {
            try removeResumable(trackingId: partial.trackingId, fileId: partial.fileId)
        }
        let dir = transferDir(trackingId)
        guard FileManager.default.fileExists(atPath: dir) else { return }
        try FileManager.default.removeItem(atPath: dir)
    }

    public func storedTrackingIds() throws -> [TrackingID] {
        try FileManager.default.contentsOfDirectory(atPath: blobDir).compactMap { TrackingID(rawValue: $0) }
    }

    public func storedFileIds(trackingId: TrackingID) throws -> [FileID] {
        let dir = transferDir(trackingId)
        guard FileManager.default.fileExists(atPath: dir) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: dir).compactMap { name in
            guard name.hasSuffix(".blob") else { return nil }
            return FileID(rawValue: String(name.dropLast(".blob".count)))
        }
    }

    public func removeTemporaries() throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: tmpDir)
        for name in names { unlink(tmpDir + "/" + name) }
        return names.count
    }

    /// Makes a directory entry change durable.
    func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// A temporary upload file; renamed into place by `commit`, unlinked by `discard` or on deinit — except a
/// resumable one, which deinit and `release` only close, so a later request (or process) can continue it.
///
/// Written data is handed to the kernel's writeback every `writebackWindow` bytes, so the disk works while
/// the upload is still hashing and encrypting and the final `fsync` has little left to do. Waiting for the
/// window before and dropping it from the page cache (a large upload should not fill it with pages nobody
/// reads again) is handed out by `takeWriteback` as a job on a duplicate descriptor: it blocks for the disk,
/// and on the thread that hashes and encrypts that wait stopped the upload and every other one sharing it.
final class FileBlobWriteHandle: BlobWriteHandle {
    private var fd: Int32
    private let tempPath: String
    private let store: FileBlobStore
    private let resumable: Bool
    private var finished = false
    private var written: Int64 = 0
    private var submitted: Int64 = 0
    private var settled: Int64 = 0
    /// Start of the range up to `settled` whose writeback nobody has waited for yet (`takeWriteback`).
    private var dueFrom: Int64?
    static let writebackWindow: Int64 = 8 << 20

    /// `existing` bytes are already in the file (a reopened resumable upload) and the descriptor is at its end.
    init(fd: Int32, tempPath: String, store: FileBlobStore, resumable: Bool = false, existing: Int64 = 0) {
        self.fd = fd
        self.tempPath = tempPath
        self.store = store
        self.resumable = resumable
        self.written = existing
        self.submitted = existing
        self.settled = existing
    }

    deinit { release() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFileError.from(op: "write", path: tempPath, code: errno)
            }
            offset += n
        }
        written += Int64(bytes.count)
        if written - submitted >= Self.writebackWindow {
            Writeback.start(fd, from: submitted, count: written - submitted)
            if submitted > settled {
                dueFrom = dueFrom ?? settled
                settled = submitted
            }
            submitted = written
        }
    }

    func takeWriteback() -> (@Sendable () -> Void)? {
        guard let from = dueFrom, fd >= 0 else { return nil }
        let count = settled - from
        dueFrom = nil
        guard count > 0 else { return nil }
        let copy = dup(fd)
        guard copy >= 0 else {
            // Out of descriptors: wait here rather than let dirty pages pile up.
            Writeback.waitAndDrop(fd, from: from, count: count)
            return nil
        }
        return {
            Writeback.waitAndDrop(copy, from: from, count: count)
            close(copy)
        }
    }

    func truncate(to length: Int64) throws {
        guard length <= written else { return }
        guard ftruncate(fd, off_t(length)) == 0, lseek(fd, off_t(length), SEEK_SET) >= 0 else {
            throw POSIXFileError.from(op: "truncate", path: tempPath, code: errno)
        }
        written = length
        submitted = min(submitted, length)
        settled = min(settled, length)
        if let from = dueFrom, from >= settled { dueFrom = nil }
    }

    func readBack(at offset: Int64, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFileError.from(op: "read", path: tempPath, code: errno)
            }
            if n == 0 { break }
            done += n
        }
        return Array(out.prefix(done))
    }

    func overwrite(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        precondition(offset + Int64(bytes.count) <= written, "overwrite stays within what was written")
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFileError.from(op: "write", path: tempPath, code: errno)
            }
            done += n
        }
    }

    func commit(trackingId: TrackingID, fileId: FileID) throws {
        let dir = store.transferDir(trackingId)
        let final = store.blobPath(trackingId, fileId)
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw POSIXFileError.from(op: "mkdir", path: dir, code: errno) }
        guard fsync(fd) == 0 else { throw POSIXFileError.from(op: "fsync", path: tempPath, code: errno) }
        close(fd)
        fd = -1
        guard rename(tempPath, final) == 0 else { throw POSIXFileError.from(op: "rename", path: final, code: errno) }
        finished = true
        store.syncDirectory(dir)
    }

    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !finished {
            unlink(tempPath)
            finished = true
        }
    }

    func release() {
        guard resumable else { return discard() }
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        finished = true
    }
}

/// A read-only blob file accessed with `pread`, safe to share between tasks.
final class FileBlobReadHandle: BlobReadHandle {
    private let fd: Int32
    let size: Int64

    init(fd: Int32, size: Int64) {
        self.fd = fd
        self.size = size
    }

    deinit { close(fd) }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        let wanted = max(0, min(Int64(count), size - offset))
        return try [UInt8](unsafeUninitializedCapacity: Int(wanted)) { buffer, initialized in
            initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFileError(op: "pread", path: "blob", code: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// A failed file-system call; `ENOSPC` and `EDQUOT` surface as `SealdropError.storageFull`.
public struct POSIXFileError: Error, CustomStringConvertible {
    public let op: String
    public let path: String
    public let code: Int32

    /// The error to throw for a failed call: storage-full codes become the user-facing error.
    static func from(op: String, path: String, code: Int32) -> any Error {
        if code == ENOSPC || code == EDQUOT { return SealdropError.storageFull }
        return POSIXFileError(op: op, path: path, code: code)
    }

    public var description: String { "\(op) \(path): \(String(cString: strerror(code)))" }
}

/// Linux `sync_file_range` (not exported by Swift's Glibc module) and `posix_fadvise`, for early writeback.
enum Writeback {
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    private static let syncFileRange: SyncFileRange? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range")
        .map { unsafeBitCast($0, to: SyncFileRange.self) }
    private static let waitBefore: UInt32 = 1, write: UInt32 = 2, waitAfter: UInt32 = 4

    /// Starts writeback of a range without waiting; a no-op where unsupported.
    static func start(_ fd: Int32, from offset: Int64, count: Int64) {
        _ = syncFileRange?(fd, offset, count, write)
    }

    /// Waits until a range is on disk, then tells the kernel it will not be read soon.
    static func waitAndDrop(_ fd: Int32, from offset: Int64, count: Int64) {
        _ = syncFileRange?(fd, offset, count, waitBefore | write | waitAfter)
        #if os(Linux)
        _ = posix_fadvise(fd, off_t(offset), off_t(count), POSIX_FADV_DONTNEED)
        #endif
    }
}
