import Foundation
import SealdropCore

/// The archive spool under the data dir: one folder per queued archive copy, holding what the copy is made from
/// (plain mode: hard links of the transfer's encrypted blobs and the metadata/EML sealed under the transfer key;
/// age mode: the finished `.age` files). Nothing in it opens without the transfer key or an age identity.
public struct ArchiveSpool: Sendable {
    /// `<data dir>/archive-spool`.
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The folder of one transfer's copy.
    public func folder(_ trackingId: TrackingID) -> String { root + "/" + trackingId.rawValue }

    /// A file of one transfer's copy.
    public func path(_ trackingId: TrackingID, _ file: String) -> String { folder(trackingId) + "/" + file }

    /// Creates the (empty) folder of a copy, replacing leftovers of an attempt that never committed.
    func prepareFolder(_ trackingId: TrackingID) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? FileManager.default.removeItem(atPath: folder(trackingId))
        try FileManager.default.createDirectory(atPath: folder(trackingId), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    }

    /// Makes the folder's entries durable (its files were fsynced when written).
    func synchronizeFolder(_ trackingId: TrackingID) throws {
        for dir in [folder(trackingId), root] {
            let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw ArchiveError.spool("cannot open \(dir)", errno: errno) }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw ArchiveError.spool("cannot synchronize \(dir)", errno: errno) }
        }
    }

    /// Deletes one copy's folder (no error when absent).
    public func remove(_ trackingId: TrackingID) {
        try? FileManager.default.removeItem(atPath: folder(trackingId))
    }

    /// Tracking ids that have a spool folder.
    public func trackingIds() -> [TrackingID] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(TrackingID.init(rawValue:))
    }

    /// Writes `chunks` to a new spool file, fsynced before it returns.
    static func write(path: String, _ produce: (_ emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.spool("cannot create \(path)", errno: errno) }
        defer { close(fd) }
        try produce { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ArchiveError.spool("cannot write \(path)", errno: errno)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw ArchiveError.spool("cannot write \(path)", errno: errno) }
    }
}
