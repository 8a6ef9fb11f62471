import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

extension SettingsPage {
    /// The backup page beyond its fields: the backups in the configured directory.
    struct Backups {
        struct Item { let name: String, created: String, size: String, files: Int, serverKey: String, state: String }

        let directory: String
        let hasDirectory: Bool
        let items: [Item]
        let hasBackups: Bool
    }
}

extension AdminSettingsController {
    /// The backups in `backup.directory`, newest first.
    func backupsPage(_ request: Request) async throws -> SettingsPage.Backups? {
        guard let service = surface.backups else { return nil }
        let directory = surface.settings.current.backup.directory
        let listed = directory.isEmpty ? [] : try await service.list(directory)
        let t = surface.strings(language: WebPages.language(of: request))
        let items = listed.map {
            SettingsPage.Backups.Item(name: $0.name, created: $0.createdAt.map { APIDate.format($0) } ?? "",
                                      size: $0.state == .complete ? BackupTask.bytes($0.size) : "", files: $0.files,
                                      serverKey: $0.state != .complete ? "" : (t[$0.includesServerKey ? "backupKeyIncluded" : "backupKeyExcluded"] ?? ""),
                                      state: $0.state.rawValue)
        }
        return SettingsPage.Backups(directory: directory, hasDirectory: !directory.isEmpty, items: items, hasBackups: !items.isEmpty)
    }
}
