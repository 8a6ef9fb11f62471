import SealdropServices
import SealdropStore

extension StorageConfiguration {
    /// Where a backup takes each part of this data dir from (`docs/backup.md`).
    public var backupSources: BackupSources {
        BackupSources(databasePath: sqlitePath, serverKeyPath: serverKeyPath, blobDirectory: blobDirectory + "/blobs",
                      spoolDirectory: dataDirectory + "/archive-spool", templatesDirectory: dataDirectory + "/templates")
    }

    /// The backup use cases over this data dir, with the SQLite online backup.
    func backupService(serverVersion: String) -> BackupService {
        BackupService(sources: backupSources, database: SQLiteBackupSnapshot(sourcePath: sqlitePath), serverVersion: serverVersion)
    }
}
