/// Where the scheduled backup task writes, how it names backups and how many it keeps (`docs/backup.md`).
public struct BackupSettings: Codable, Sendable, Equatable {
    /// An absolute directory on this machine (or a mounted share); empty: the task does nothing.
    public var directory: String = ""
    /// The start of each backup's name: `<prefix>-<UTC time>`; only backups with this prefix are pruned.
    public var prefix: String = "sealdrop"
    /// How many complete backups with `prefix` the task keeps; older ones are deleted after a new one completed.
    public var keep: Int = 7
    /// Whether backups hold `server.key`, the one secret of the data dir; off: keep the key elsewhere.
    public var includeServerKey: Bool = true

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BackupSettings()
        directory = try c.decodeIfPresent(String.self, forKey: .directory) ?? d.directory
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix) ?? d.prefix
        keep = try c.decodeIfPresent(Int.self, forKey: .keep) ?? d.keep
        includeServerKey = try c.decodeIfPresent(Bool.self, forKey: .includeServerKey) ?? d.includeServerKey
    }

    /// Whether `text` may start a backup's name: letters, digits, `-`, `_` and `.`, not starting with a dot.
    public static func isPrefix(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.first != "." && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// Problems that must stop the server from starting, each naming its key.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if !directory.isEmpty, !directory.hasPrefix("/") || directory.contains("\0") {
            errors.append("backup.directory must be an absolute path")
        }
        if !Self.isPrefix(prefix) { errors.append("backup.prefix must be letters, digits, - _ or . (at most 64, not starting with a dot)") }
        if !(1...1000).contains(keep) { errors.append("backup.keep must be between 1 and 1000") }
        return errors
    }
}
