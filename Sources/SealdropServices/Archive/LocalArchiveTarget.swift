import Foundation
import Logging
import SealdropCore

/// The local connector: transfer folders in a directory of this machine (or a share mounted here).
public struct LocalArchiveTarget: ArchiveTarget {
    public init() {}

    public func connect(_ settings: ArchiveSettings, logger: Logger) async throws -> any ArchiveConnection {
        guard let target = settings.target, target.connector == .local else { throw ArchiveError("archive.url is not a file:// URL") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ArchiveError("the archive directory \(target.path) does not exist")
        }
        return LocalArchiveConnection()
    }
}

/// File operations on the local file system, each durable (file and directory synced) when it returns.
struct LocalArchiveConnection: ArchiveConnection {
    func makeDirectory(_ path: String) async throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw ArchiveError("cannot create \(path): \(Self.reason(error))")
        }
    }

    func exists(_ path: String) async throws -> Bool { FileManager.default.fileExists(atPath: path) }

    func write(_ path: String, size: Int64, body: ArchiveBody) async throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Self.failure("cannot create", path) }
        defer { Glibc.close(fd) }
        for try await chunk in body {
            var offset = 0
            while offset < chunk.count {
                let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, chunk.count - offset) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Self.failure("cannot write", path) }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw Self.failure("cannot write", path) }
    }

    func rename(_ from: String, to: String) async throws {
        guard Glibc.rename(from, to) == 0 else { throw Self.failure("cannot rename to", to) }
        let dir = (to as NSString).deletingLastPathComponent
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            defer { Glibc.close(fd) }
            guard fsync(fd) == 0 else { throw Self.failure("cannot synchronize", dir) }
        }
    }

    func remove(_ path: String) async throws {
        if unlink(path) != 0 && errno != ENOENT { throw Self.failure("cannot remove", path) }
    }

    func close() async {}

    static func failure(_ what: String, _ path: String) -> ArchiveError {
        let code = errno
        return ArchiveError("\(what) \(path): \(String(cString: strerror(code)))", diskFull: code == ENOSPC)
    }

    static func reason(_ error: any Error) -> String {
        ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? (error as NSError).localizedDescription
    }
}

extension LocalArchiveTarget: ArchiveTargetCheck {
    public func check(_ settings: ArchiveSettings, logger: Logger) async -> ArchiveCheck {
        guard let target = settings.target, target.connector == .local else {
            return ArchiveCheck(steps: [ArchiveCheckStep(step: "directory", ok: false, detail: "archive.url is not a file:// URL")])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ArchiveCheck(steps: [ArchiveCheckStep(step: "directory", ok: false, detail: "\(target.path) does not exist or is no directory")])
        }
        guard access(target.path, W_OK | X_OK) == 0 else {
            return ArchiveCheck(steps: [ArchiveCheckStep(step: "directory", ok: false, detail: "\(target.path) is not writable by this server")])
        }
        return ArchiveCheck(steps: [ArchiveCheckStep(step: "directory", ok: true, detail: "\(target.path) exists and is writable")])
    }
}
