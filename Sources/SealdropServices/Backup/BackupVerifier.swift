import Foundation
import SealdropCore

/// What `verify` found.
public struct BackupVerification: Sendable, Equatable {
    /// The manifest, when one was read.
    public var manifest: BackupManifest?
    /// Every problem, one sentence each; empty: the backup is complete and unchanged.
    public var problems: [String]

    public var isValid: Bool { manifest != nil && problems.isEmpty }
}

/// Checks a backup against its manifest: refuses a `.partial` folder, a missing or unreadable manifest, paths that
/// leave the folder, and any file missing, extra, of another size or with another SHA-256. Reads every file once.
struct BackupVerifier {
    /// Checked between files; true stops the check.
    let isCancelled: @Sendable () -> Bool

    func verify(_ path: String) throws -> BackupVerification {
        let folder = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if folder.hasSuffix(BackupCatalog.partialSuffix) {
            return BackupVerification(manifest: nil, problems: ["it is a partial backup (interrupted or still being written)"])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            return BackupVerification(manifest: nil, problems: ["there is no backup folder there"])
        }
        guard let data = FileManager.default.contents(atPath: folder + "/" + BackupManifest.fileName) else {
            return BackupVerification(manifest: nil, problems: ["it has no \(BackupManifest.fileName)"])
        }
        let manifest: BackupManifest
        do {
            manifest = try BackupManifest.decode(data)
        } catch {
            return BackupVerification(manifest: nil, problems: ["its manifest cannot be read"])
        }
        guard manifest.format == BackupManifest.currentFormat else {
            return BackupVerification(manifest: nil, problems: ["its manifest has format \(manifest.format); this release reads \(BackupManifest.currentFormat)"])
        }
        var problems: [String] = []
        var listed = Set<String>()
        for entry in manifest.files {
            guard BackupManifest.isSafeRelativePath(entry.path), entry.path != BackupManifest.fileName else {
                problems.append("the manifest names an unsafe path \(entry.path.prefix(200).debugDescription)")
                continue
            }
            guard listed.insert(entry.path).inserted else {
                problems.append("the manifest lists \(entry.path) twice")
                continue
            }
        }
        if !listed.contains(BackupSources.database) { problems.append("the manifest lists no \(BackupSources.database)") }
        if manifest.includesServerKey != listed.contains(BackupSources.serverKey) {
            problems.append(manifest.includesServerKey ? "the manifest says server.key is included but does not list it"
                                                       : "server.key is listed although the manifest says it is excluded")
        }
        guard problems.isEmpty else { return BackupVerification(manifest: manifest, problems: problems) }
        let present = try BackupFiles.walk(folder)
        for other in present.others { problems.append("\(other) is not a regular file") }
        let files = Set(present.files)
        for extra in files.subtracting(listed).subtracting([BackupManifest.fileName]).sorted() {
            problems.append("\(extra) is not in the manifest")
        }
        for entry in manifest.files {
            if isCancelled() { throw CancellationError() }
            guard files.contains(entry.path) else {
                problems.append("\(entry.path) is missing")
                continue
            }
            let hashed = try BackupFiles.hash(folder + "/" + entry.path)
            if hashed.size != entry.size {
                problems.append("\(entry.path) has \(hashed.size) bytes, the manifest says \(entry.size)")
            } else if hashed.sha256 != entry.sha256 {
                problems.append("\(entry.path) does not match its SHA-256")
            } else if entry.path == BackupSources.serverKey, hashed.sha256 != manifest.serverKeySHA256 {
                problems.append("server.key does not match the manifest's key hash")
            }
        }
        return BackupVerification(manifest: manifest, problems: problems)
    }
}
