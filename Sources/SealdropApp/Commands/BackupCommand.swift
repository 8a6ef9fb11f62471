import ArgumentParser
import Foundation
import SealdropCore
import SealdropHTTP
import SealdropServices
import SealdropStore

/// `sealdrop backup create [--to DIR] | verify DIR | restore DIR --data-dir NEW | list DIR` (`docs/backup.md`).
///
/// Exit status: 0 done; 1 the backup failed, is not valid, or restore refused; 2 bad arguments or configuration.
/// Errors are one line on standard error, `sealdrop: …`.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Online backup and restore of the data dir.",
        subcommands: [Create.self, Verify.self, Restore.self, List.self])

    /// Writes a backup while the server runs (or is stopped).
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a consistent backup of the data dir, also while the server runs.",
            discussion: "The backup goes into DIR/<prefix>-<UTC time>/ (written as .partial, renamed when complete). Without --to, the backup directory set in the admin interface (or the configuration file) is used.")

        @Option(help: "Directory the backup folder is created in.") var to: String?
        @Option(help: "The backup's folder name (default: <prefix>-<UTC time>).") var name: String?
        @Option(help: "Name prefix.") var prefix: String = "sealdrop"
        @Flag(help: "Leave server.key, the one secret, out of the backup; restore then needs --server-key.") var withoutServerKey = false
        @Option(help: "JSON configuration file.") var config: String?
        @Flag(help: "Use the development defaults (./sealdrop-data).") var dev = false

        func run() async throws {
            let configuration = try loadConfiguration(config: config, dev: dev)
            var directory = to
            if directory == nil {
                // The directory the administrator set (the admin interface or the configuration file).
                let server = try buildServer(config: config, dev: dev)
                try await server.runtimeSettings.loadPersisted()
                directory = nonEmpty(server.settings.current.backup.directory)
            }
            guard let directory else {
                fail("give the backup directory with --to DIR (or set the backup directory in the admin interface or the configuration file)", code: 2)
            }
            guard BackupSettings.isPrefix(prefix) else { fail("--prefix must be letters, digits, - _ or .", code: 2) }
            let service = configuration.storage.backupService(serverVersion: SealdropVersion.current)
            do {
                let report = try await service.create(into: absolute(directory), prefix: prefix, name: name, includeServerKey: !withoutServerKey)
                print("backup \(report.name): \(BackupTask.count(report.files)) files, \(BackupTask.bytes(report.size)) (\(String(format: "%.1f", report.seconds)) s), \(report.linked) hard-linked")
                if report.skippedTransfers > 0 {
                    print("\(report.skippedTransfers) transfers ended while the backup ran; restore ends them in the restored database")
                }
                if withoutServerKey { print("server.key is not in the backup: keep it elsewhere; restore needs --server-key") }
                print(report.path)
            } catch let error as BackupError {
                fail(error.description, code: 1)
            }
        }
    }

    /// Checks a backup against its manifest.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every file of a backup against its manifest.")

        @Argument(help: "The backup folder.") var backup: String

        func run() async throws {
            let service = backupOnlyService()
            let result = try await service.verify(absolute(backup))
            guard result.isValid, let manifest = result.manifest else {
                for problem in result.problems { FileHandle.standardError.write(Data("sealdrop: \(problem)\n".utf8)) }
                print("backup INVALID: \(result.problems.count) problems")
                throw ExitCode(1)
            }
            print("backup ok: \(BackupTask.count(manifest.files.count)) files, \(BackupTask.bytes(manifest.totalSize)), taken \(APIDate.format(manifest.createdAt, timeZone: TimeZone(identifier: "UTC")!)) by sealdrop \(manifest.serverVersion), server.key \(manifest.includesServerKey ? "included" : "not included")")
        }
    }

    /// Restores a backup into an empty data directory.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup into an empty or new data directory.",
            discussion: "Verifies the backup first and refuses a data directory that holds anything. Start the server on it with SEALDROP_DATA_DIR=NEW.")

        @Argument(help: "The backup folder.") var backup: String
        @Option(help: "The new data directory (empty or not yet there).") var dataDir: String
        @Option(help: "server.key kept apart from a backup made with --without-server-key.") var serverKey: String?

        func run() async throws {
            let service = backupOnlyService()
            do {
                let report = try await service.restore(from: absolute(backup), to: absolute(dataDir), serverKeyFile: serverKey.map(absolute))
                print("restored \(BackupTask.count(report.files)) files, \(BackupTask.bytes(report.size)) into \(absolute(dataDir))")
                if report.endedTransfers > 0 { print("\(report.endedTransfers) transfers that ended while the backup ran were ended in the restored database") }
            } catch let error as BackupError {
                fail(error.description, code: 1)
            }
        }
    }

    /// Lists the backups of a directory.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the backups in a directory, newest first.")

        @Argument(help: "The backup directory.") var directory: String

        func run() async throws {
            let service = backupOnlyService()
            for b in try await service.list(absolute(directory)) {
                let created = b.createdAt.map { APIDate.format($0, timeZone: TimeZone(identifier: "UTC")!) } ?? "-"
                print("\(b.name)\t\(b.state.rawValue)\t\(created)\t\(b.files) files\t\(BackupTask.bytes(b.size))")
            }
        }
    }
}

/// The configuration, or exit 2 with its one-line error.
private func loadConfiguration(config: String?, dev: Bool) throws -> ServerConfiguration {
    do {
        return try ServerConfiguration.load(environment: ProcessInfo.processInfo.environment, configFile: config, dev: dev)
    } catch let error as ConfigurationError {
        fail(error.description, code: 2)
    }
}

/// Prints `sealdrop: message` on standard error and exits.
private func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("sealdrop: \(message)\n".utf8))
    exit(code)
}

/// The service for verify, restore and list: they read a backup (and restore writes a new data dir); the live data
/// dir and its configuration are not involved.
private func backupOnlyService() -> BackupService {
    BackupService(sources: BackupSources(databasePath: "", serverKeyPath: "", blobDirectory: "", spoolDirectory: "", templatesDirectory: ""),
                  database: SQLiteBackupSnapshot(sourcePath: ""), serverVersion: SealdropVersion.current)
}

private func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

/// `path` made absolute against the working directory.
private func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
