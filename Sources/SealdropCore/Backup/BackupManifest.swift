import Foundation

/// The table of contents of one backup, `manifest.json`, written last (`docs/backup.md`): every file with its
/// size and SHA-256, so `verify` can tell a complete backup from a tampered, truncated or half-written one.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// One file of the backup, by its path relative to the backup's folder.
    public struct Entry: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int64
        /// Lower-case hex.
        public var sha256: String

        public init(path: String, size: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    /// The manifest's file name inside a backup.
    public static let fileName = "manifest.json"
    /// The format this release writes and reads.
    public static let currentFormat = 1

    public var format: Int
    /// When the database snapshot was taken (the backup's point in time).
    public var createdAt: Date
    /// The `sealdrop version` that wrote it.
    public var serverVersion: String
    /// Whether `server.key` is in the backup; without it, restore needs the key file from elsewhere.
    public var includesServerKey: Bool
    /// SHA-256 of the server key file, so a key handed to restore separately can be checked (a hash of 32 random
    /// bytes gives nothing away).
    public var serverKeySHA256: String
    public var files: [Entry]
    /// Transfers the database snapshot lists whose blobs were gone before they were taken: they ended while the
    /// backup ran. Restore ends them in the restored database.
    public var skippedTransfers: [String]
    /// Queued archive copies whose spool was gone before it was taken (confirmed or ended meanwhile). Restore marks
    /// them failed.
    public var skippedArchiveCopies: [String]

    public init(createdAt: Date, serverVersion: String, includesServerKey: Bool, serverKeySHA256: String, files: [Entry],
                skippedTransfers: [String], skippedArchiveCopies: [String]) {
        self.format = Self.currentFormat
        self.createdAt = createdAt
        self.serverVersion = serverVersion
        self.includesServerKey = includesServerKey
        self.serverKeySHA256 = serverKeySHA256
        self.files = files
        self.skippedTransfers = skippedTransfers
        self.skippedArchiveCopies = skippedArchiveCopies
    }

    /// Total bytes of the listed files.
    public var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }

    /// Whether `path` stays inside the backup's folder: relative, no empty, `.` or `..` segment, no NUL or backslash.
    public static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 4096, !path.hasPrefix("/"), !path.contains("\0"), !path.contains("\\") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// The JSON the manifest is stored as: sorted keys, ISO 8601 dates, readable.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Reads a stored manifest.
    public static func decode(_ data: Data) throws -> BackupManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(BackupManifest.self, from: data)
    }
}
