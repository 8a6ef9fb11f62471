#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import SealdropCore

/// The POSIX file work of backups: streamed copies and hashes (1 MiB at a time, never a whole file in memory),
/// owner-only modes, and `fsync` of files and directories.
enum BackupFiles {
    static let bufferSize = 1 << 20

    /// Creates a directory with mode 0700; an existing one is fine.
    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw BackupError.posix("mkdir", path) }
    }

    /// Creates an absolute directory and its missing parents, each with mode 0700 (`mkdir -p`).
    static func makeDirectoryTree(_ path: String) throws {
        var current = ""
        for segment in path.split(separator: "/") {
            current += "/" + segment
            try makeDirectory(current)
        }
    }

    /// Creates `relative`'s parent directories below `root` (0700), remembering each one created for a later fsync.
    static func makeParents(of relative: String, under root: String, created: inout Set<String>) throws {
        var path = root
        for segment in relative.split(separator: "/").dropLast() {
            path += "/" + segment
            if created.contains(path) { continue }
            try makeDirectory(path)
            created.insert(path)
        }
    }

    /// Copies `source` to a new file `destination` (mode 0600), fsynced; answers its size and SHA-256. Nil when
    /// `source` does not exist.
    static func copy(_ source: String, to destination: String) throws -> (size: Int64, sha256: String)? {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            if errno == ENOENT { return nil }
            throw BackupError.posix("open", source)
        }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw BackupError.posix("create", destination) }
        defer { close(output) }
        let result = try stream(input, path: source) { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(output, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw BackupError.posix("write", destination) }
                offset += n
            }
        }
        guard fsync(output) == 0 else { throw BackupError.posix("fsync", destination) }
        dropCache(output)
        return result
    }

    /// The size and SHA-256 of a file, read once.
    static func hash(_ path: String) throws -> (size: Int64, sha256: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw BackupError.posix("open", path) }
        defer { close(fd) }
        return try stream(fd, path: path) { _ in }
    }

    /// Reads `fd` to its end, handing each block to `consume`, and answers the bytes read and their SHA-256.
    private static func stream(_ fd: Int32, path: String, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws -> (size: Int64, sha256: String) {
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw BackupError.posix("read", path) }
            if n == 0 { break }
            let block = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(bufferPointer: block)
            try consume(block)
            size += Int64(n)
        }
        dropCache(fd)
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// Tells the kernel a file's pages will not be read again soon: a backup reads gigabytes once, and the server's
    /// own working set should stay in the page cache.
    private static func dropCache(_ fd: Int32) {
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        #endif
    }

    /// Writes `data` to a new file (mode 0600) and fsyncs it.
    static func write(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.posix("create", path) }
        defer { close(fd) }
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw BackupError.posix("write", path) }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw BackupError.posix("fsync", path) }
    }

    /// Makes a file's content, or a directory's entries, durable.
    static func sync(_ path: String, directory: Bool = false) throws {
        let fd = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.posix("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw BackupError.posix("fsync", path) }
    }

    /// What a directory tree holds, relative to its root: regular files, and every other entry (symbolic links,
    /// devices, sockets) that a backup must not contain.
    static func walk(_ root: String) throws -> (files: [String], others: [String]) {
        var files: [String] = []
        var others: [String] = []
        func visit(_ relative: String) throws {
            let path = relative.isEmpty ? root : root + "/" + relative
            guard let dir = opendir(path) else { throw BackupError.posix("opendir", path) }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." { continue }
                let child = relative.isEmpty ? name : relative + "/" + name
                var st = stat()
                guard lstat(root + "/" + child, &st) == 0 else { throw BackupError.posix("stat", root + "/" + child) }
                switch Int(st.st_mode) & Int(S_IFMT) {
                case Int(S_IFREG): files.append(child)
                case Int(S_IFDIR): try visit(child)
                default: others.append(child)
                }
            }
        }
        try visit("")
        return (files.sorted(), others.sorted())
    }

    /// Removes a tree (no error when absent).
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Whether `path` exists (without following a final symbolic link).
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }
}
