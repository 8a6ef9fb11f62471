import Foundation
import SealdropCore

/// The scheduled backup (`backup` in the task list): one backup into `backup.directory`, then the oldest complete
/// backups of `backup.prefix` beyond `backup.keep` deleted. Without a directory it does nothing and says so.
public struct BackupTask: ScheduledTask {
    public let name = TaskName.backup
    let service: BackupService
    let settings: SettingsStore

    public init(service: BackupService, settings: SettingsStore) {
        self.service = service
        self.settings = settings
    }

    public func runOnce() async throws -> String {
        let s = settings.current.backup
        guard !s.directory.isEmpty else { return "no backup directory set" }
        let report = try await service.create(into: s.directory, prefix: s.prefix, includeServerKey: s.includeServerKey)
        let removed = try await service.prune(s.directory, prefix: s.prefix, keep: s.keep)
        var summary = "backup \(report.name): \(Self.count(report.files)) files, \(Self.bytes(report.size)) (\(String(format: "%.1f", report.seconds)) s)"
        if report.skippedTransfers > 0 { summary += ", \(report.skippedTransfers) transfers ended meanwhile" }
        if !removed.isEmpty { summary += ", \(removed.count) old removed" }
        return summary
    }

    /// `1,234`.
    public static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// `10.2 GiB`, `512 B`.
    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
