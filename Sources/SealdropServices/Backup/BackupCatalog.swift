#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SealdropCore

/// The backups in a backup directory: listing them, the lock that keeps two writers apart, and removing old ones.
enum BackupCatalog {
    /// The suffix of a backup still being written (or left by an interrupted run).
    static let partialSuffix = ".partial"
    /// The lock file `create` and pruning hold (`flock`), so the scheduled task and the command line never write
    /// into one directory at once.
    static let lockName = ".sealdrop-backup.lock"

    /// Whether `name` may name a backup folder: letters, digits, `-`, `_`, `.`; not starting with a dot.
    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.first != "." && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// Takes the directory's lock without waiting; the descriptor holds it until closed.
    static func lock(_ directory: String) throws -> Int32 {
        let path = directory + "/" + lockName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.posix("open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw BackupError.busy(directory: directory) }
            throw BackupError.posix("lock", path, code)
        }
        return fd
    }

    /// Deletes every `.partial` folder: what interrupted runs left (call with the lock held).
    static func removePartials(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(partialSuffix) {
            BackupFiles.removeTree(directory + "/" + name)
        }
    }

    /// Every backup folder of the directory, newest first; an absent directory has none.
    static func list(_ directory: String) -> [BackupListing] {
        var listings: [BackupListing] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !name.hasPrefix(".") {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date
            if name.hasSuffix(partialSuffix) {
                listings.append(BackupListing(name: String(name.dropLast(partialSuffix.count)), state: .partial, createdAt: modified,
                                              size: 0, files: 0, includesServerKey: false))
            } else if let data = FileManager.default.contents(atPath: path + "/" + BackupManifest.fileName),
                      let manifest = try? BackupManifest.decode(data) {
                listings.append(BackupListing(name: name, state: .complete, createdAt: manifest.createdAt, size: manifest.totalSize,
                                              files: manifest.files.count, includesServerKey: manifest.includesServerKey))
            } else {
                listings.append(BackupListing(name: name, state: .invalid, createdAt: modified, size: 0, files: 0, includesServerKey: false))
            }
        }
        return listings.sorted { ($0.createdAt ?? .distantPast, $0.name) > ($1.createdAt ?? .distantPast, $1.name) }
    }

    /// Deletes the oldest complete backups named `<prefix>-…` beyond the newest `keep`; answers their names. Each is
    /// renamed to `.partial` first, so a deletion cut short never leaves a folder that still looks complete.
    static func prune(_ directory: String, prefix: String, keep: Int) throws -> [String] {
        let held = try lock(directory)
        defer { close(held) }
        let own = list(directory).filter { $0.state == .complete && $0.name.hasPrefix(prefix + "-") }
        var removed: [String] = []
        for old in own.dropFirst(max(0, keep)) {
            let path = directory + "/" + old.name
            guard rename(path, path + partialSuffix) == 0 else { throw BackupError.posix("rename", path) }
            BackupFiles.removeTree(path + partialSuffix)
            removed.append(old.name)
        }
        return removed
    }
}
