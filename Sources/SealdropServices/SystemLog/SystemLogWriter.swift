#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Appends system-log lines to `SystemLogFiles` on a thread of its own, rotating by size and count.
///
/// A logging call only copies its line into a bounded buffer under a lock and wakes the thread: request paths never
/// wait for the disk. When the buffer is full (the disk is slower than the log for a while) lines are dropped and
/// counted, and the next write records how many went missing. Files are created 0600 in a 0700 directory.
public final class SystemLogWriter: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition`.
    public let files: SystemLogFiles
    let bufferLimit: Int
    private let condition = NSCondition()
    private var pending: [Data] = []
    private var pendingBytes = 0
    private var droppedSinceWrite = 0
    private var dropped = 0
    private var accepted = 0
    private var written = 0
    private var stopping = false
    private var running = false
    private var fd: Int32 = -1
    private var size = 0

    /// A writer that keeps at most `bufferLimit` bytes waiting for the disk.
    public init(files: SystemLogFiles, bufferLimit: Int = 4 * 1024 * 1024) {
        self.files = files
        self.bufferLimit = max(1024, bufferLimit)
    }

    /// Creates the directory and opens the current file, then starts the writer thread; throws when neither works
    /// (the server refuses to start with a log it cannot write).
    public func start() throws {
        // The data dir may not exist yet (first start): created owner-only, as the server would create it.
        try FileManager.default.createDirectory(atPath: (files.directory as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        _ = chmod(files.directory, 0o700)
        try openCurrent()
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "sealdrop-log-writer"
        thread.start()
    }

    /// Queues one line (ending in a newline); dropped and counted when the buffer is full or the writer is stopped.
    public func write(_ line: Data) {
        condition.lock()
        defer { condition.unlock() }
        guard running, !stopping, pendingBytes + line.count <= bufferLimit else {
            dropped += 1
            droppedSinceWrite += 1
            return
        }
        pending.append(line)
        pendingBytes += line.count
        accepted += 1
        condition.broadcast()
    }

    /// Lines dropped since start because the buffer was full.
    public var droppedLines: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }

    /// Waits until every line queued before the call is written.
    public func flush() {
        condition.lock()
        defer { condition.unlock() }
        let target = accepted
        while running && written < target { condition.wait() }
    }

    /// Writes what is queued, stops the thread and closes the file.
    public func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && droppedSinceWrite == 0 && !stopping { condition.wait() }
            let batch = pending, missing = droppedSinceWrite, stop = stopping
            pending = []
            pendingBytes = 0
            droppedSinceWrite = 0
            condition.unlock()

            var bytes = Data()
            if missing > 0, let note = SystemLogLine.json(date: Date(), level: .warning, label: "sealdrop.log", message: "log.dropped",
                                                          metadata: ["lines": "\(missing)"]) {
                bytes.append(note)
            }
            for line in batch { bytes.append(line) }
            if !bytes.isEmpty { append(bytes) }

            condition.lock()
            written += batch.count
            if stop && pending.isEmpty {
                if fd >= 0 { Glibc.close(fd); fd = -1 }
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Writes `bytes` to the current file and rotates it once it reached `maxBytes`. A failed write is retried once
    /// on a freshly opened file (it may have been removed by hand); then the bytes are lost.
    private func append(_ bytes: Data) {
        if fd < 0 { try? openCurrent() }
        guard fd >= 0 else { return }
        if !writeAll(bytes) {
            Glibc.close(fd)
            fd = -1
            guard (try? openCurrent()) != nil, writeAll(bytes) else { return }
        }
        size += bytes.count
        if size >= files.maxBytes { rotate() }
    }

    private func writeAll(_ bytes: Data) -> Bool {
        bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
    }

    /// `sealdrop.log.N-1` → `.N` … `sealdrop.log` → `.1`, the oldest beyond the count deleted, and a new current file.
    private func rotate() {
        Glibc.close(fd)
        fd = -1
        _ = unlink(files.path(rotation: files.rotatedCount))
        for n in stride(from: files.rotatedCount - 1, through: 0, by: -1) {
            _ = rename(files.path(rotation: n), files.path(rotation: n + 1))
        }
        try? openCurrent()
    }

    private func openCurrent() throws {
        let path = files.path(rotation: 0)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw SystemLogFileError(path: path, errno: errno) }
        _ = fchmod(descriptor, 0o600)
        var status = stat()
        size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        fd = descriptor
    }
}

/// The log file could not be opened.
public struct SystemLogFileError: Error, CustomStringConvertible {
    public let path: String
    public let errno: Int32

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }

    public var description: String { "cannot open the log file \(path): \(String(cString: strerror(errno)))" }
}
