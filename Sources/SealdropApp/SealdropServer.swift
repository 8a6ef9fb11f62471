import Foundation
import Hummingbird
import Logging
import NIOSSL
import SealdropCore
import SealdropCrypto
import SealdropHTTP
import SealdropServices
import SealdropStore
import ServiceLifecycle

/// The composition root: builds every adapter and service from the configuration, hands them to the HTTP
/// surfaces and runs them all in one `ServiceGroup`.
public struct SealdropServer: Sendable {
    public let configuration: ServerConfiguration
    public let database: SealdropDatabase
    public let settings: SettingsStore
    public let blobs: FileBlobStore
    public let verification: VerificationService
    public let downloads: DownloadService
    public let outbox: OutboxService
    public let cleanup: CleanupService
    /// Runs every background task (`cleanup`, `archive-retry`, …) on its schedule and on "run now".
    public let scheduler: Scheduler
    /// The archive queue's worker.
    public let archive: ArchiveService
    /// Online backups of the data dir (`docs/backup.md`).
    public let backups: BackupService
    public let notifications: Notifications
    /// The scrypt threads; first in the service group, so they stop after the listeners drained.
    let kdf: KeyDerivationRunner
    /// The threads that fsync and rename finished uploads; in the group next to `kdf`, for the same reason.
    let fileSync: FileSyncRunner
    public let accounts: AdminAccounts
    public let audit: AuditLog
    public let runtimeSettings: RuntimeSettings
    /// The languages administrators uploaded.
    public let languagePacks: LanguagePackService
    /// The administrator's logo, for mails and pages.
    public let branding: BrandingService
    /// The outbox's transport, following the relay chosen in the admin interface.
    let mail: SwitchingMailTransport
    /// The LDAP directory of policy rules' `group:`, `user:` and `filter:` selections.
    let directory: LDAPDirectory
    /// The user and admin routers and listeners.
    public let http: HTTPSurfaces
    /// The background tasks the scheduler runs (`docs/operations.md`, Scheduled tasks).
    public let scheduledTasks: [any ScheduledTask]
    public var metrics: ServerMetrics { http.metrics }
    let logger: Logger

    /// Opens the data dir, database (migrated) and server key, and wires the services.
    ///
    /// `logLines` is the buffer the process's log handler feeds, shown on the admin status page.
    public static func build(configuration: ServerConfiguration, logger: Logger,
                             logLines: RecentLogLines = RecentLogLines(capacity: 200)) throws -> SealdropServer {
        let data = configuration.storage.dataDirectory
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigurationError(key: "SEALDROP_DATA_DIR", problem: "cannot create \(data)")
        }
        guard FileManager.default.isWritableFile(atPath: data) else {
            throw ConfigurationError(key: "SEALDROP_DATA_DIR", problem: "\(data) is not writable")
        }
        let serverKey: ServerKey
        do {
            serverKey = try ServerKey.loadOrCreate(at: configuration.storage.serverKeyPath)
        } catch {
            throw ConfigurationError(key: "SEALDROP_DATA_DIR", problem: "server key \(data)/server.key is unusable (\(error))")
        }
        let database = try SealdropDatabase.open(path: configuration.storage.sqlitePath, bodySealer: MailBodySealer(serverKey: serverKey))
        let blobs = try FileBlobStore(directory: configuration.storage.blobDirectory)
        let configured = configuration.configured
        let settings = SettingsStore(configuration.settings)
        let audit = AuditLog(repository: database)
        let branding = BrandingService(repository: database, audit: audit, logger: logger)
        let notifications = Notifications(builder: MailMessageBuilder(from: configured.mailFrom.value, messageIdHost: configuration.mail.ehloName),
                                          templates: try configuration.loadMailTemplates(), configured: configured, settings: settings,
                                          branding: branding)
        let kdf = KeyDerivationRunner()
        let fileSync = FileSyncRunner()
        let transport = SwitchingMailTransport(configured: configured, mail: configuration.mail, settings: settings, logger: logger)
        _ = try transport.transport()
        // The transfer use cases, one service per reason to change: sessions, uploads, finalize, sent transfers.
        // The directory follows `directory` in the settings; while it is off its selections fail closed.
        let directory = LDAPDirectory(settings: settings, trustCAPath: configuration.mail.trustCAPath, logger: logger)
        let policy = PolicyService(settings: settings, directory: directory)
        let sessions = TransferSessionService(transfers: database, blobs: blobs, settings: settings, policy: policy, logger: logger)
        let uploads = UploadService(transfers: database, blobs: blobs, serverKey: serverKey, fileSync: fileSync, hashLanes: .perCore(), logger: logger)
        // Archive copies are prepared into the spool at finalize and copied by the archive service (`docs/archiving.md`).
        let spool = ArchiveSpool(root: data + "/archive-spool")
        let archivePreparer = ArchivePreparer(spool: spool, blobs: blobs, serverKey: serverKey, threads: fileSync, logger: logger)
        let archive = ArchiveService(repository: database, spool: spool, targets: ArchiveTargets.all(),
                                     settings: settings, serverKey: serverKey, configuration: configuration.archive, logger: logger)
        let finalizing = FinalizeService(transfers: database, blobs: blobs, serverKey: serverKey, settings: settings, policy: policy,
                                         notifications: notifications,
                                         kdf: kdf, wrapParameters: configuration.passwordWrap, archive: archivePreparer, logger: logger)
        let sentTransfers = SentTransferService(transfers: database, blobs: blobs, notifications: notifications, logger: logger)
        let accounts = AdminAccounts(repository: database, audit: audit,
                                     hasher: AdminPasswordHasher(cost: UInt8(configuration.admin.bcryptCost), kdf: kdf), logger: logger)
        let runtime = RuntimeSettings(store: settings, repository: database, audit: audit, serverKey: serverKey, pinnedJSON: configuration.pinnedSettingsJSON,
                                      environmentPinned: configured.pinnedKeys, logger: logger)
        let verification = VerificationService(repository: database, settings: settings, notifications: notifications, logger: logger)
        let downloads = DownloadService(transfers: database, outbox: database, blobs: blobs, settings: settings, notifications: notifications,
                                        kdf: kdf, logger: logger)
        let languagePacks = LanguagePackService(repository: database, audit: audit, logger: logger, mailTemplates: notifications.templateSource)
        let backups = configuration.storage.backupService(serverVersion: SealdropVersion.current)
        // The signed update check (`docs/updates.md`); it only reads and mails, never installs.
        let verifier: UpdateSignatureVerifier
        do throws(UpdateKeyError) {
            verifier = try UpdateSignatureVerifier(additional: configuration.updates.additionalKeys)
        } catch {
            throw ConfigurationError(key: "SEALDROP_UPDATE_KEYS", problem: "key \(error.index + 1) is not a valid Ed25519 public key")
        }
        let updateCheck = UpdateCheckTask(
            configuration: .init(url: configuration.updates.url, runningVersion: SealdropVersion.current),
            fetcher: HTTPSManifestFetcher(trustCAPath: configuration.mail.trustCAPath), verifier: verifier, repository: database,
            notifications: notifications, administratorAddresses: { settings.current.downloadProtection.adminEmails }, logger: logger)
        let cleanup = CleanupService(transfers: database, verifications: database, blobs: blobs, settings: settings,
                                     notifications: notifications, logger: logger)
        // Every background task, run by the one scheduler (`docs/operations.md`); retention and the digest: `docs/retention.md`.
        let scheduledTasks: [any ScheduledTask] = [
            cleanup, ArchiveRetryTask(repository: database), updateCheck, BackupTask(service: backups, settings: settings),
            RetentionTask(repository: database, settings: settings, logger: logger),
            DigestTask(log: database, totals: database, outbox: database, notifications: notifications, settings: settings, logger: logger),
        ]
        let scheduler = Scheduler(tasks: scheduledTasks, runs: database, settings: settings, logger: logger)
        let process = AdminProcessFacts(configured: configured, dataDirectory: data, capturedByDefault: configuration.mail.capturedByDefault,
                                        captureDirectory: configuration.mail.captureDirectory)
        let http = try HTTPSurfaces(settings: settings, verification: verification, sessions: sessions, uploads: uploads,
                                    finalizing: finalizing, sentTransfers: sentTransfers, downloads: downloads,
                                    notifications: notifications, accounts: accounts, audit: audit, runtime: runtime,
                                    transferLog: TransferLogService(log: database, transfers: database, service: sentTransfers, audit: audit, archive: database),
                                    outbox: OutboxAdminService(outbox: database, audit: audit, transfers: database),
                                    mail: transport, process: process, logLines: logLines, kdf: kdf, languagePacks: languagePacks, branding: branding,
                                    logger: logger, directory: directory, archive: archive, archiveKeys: SSHArchiveKeys(),
                                    scheduler: scheduler, systemLog: configuration.logging.file.map { SystemLogReader(files: $0) },
                                    updates: updateCheck, backups: backups)
        return SealdropServer(
            configuration: configuration, database: database, settings: settings, blobs: blobs,
            verification: verification, downloads: downloads,
            outbox: OutboxService(outbox: database, transport: transport, configuration: configuration.outbox, logger: logger),
            cleanup: cleanup, scheduler: scheduler, archive: archive, backups: backups,
            notifications: notifications, kdf: kdf, fileSync: fileSync, accounts: accounts, audit: audit, runtimeSettings: runtime,
            languagePacks: languagePacks, branding: branding, mail: transport, directory: directory, http: http,
            scheduledTasks: scheduledTasks, logger: logger
        )
    }

    /// The router of the user listeners: `/api` and the web pages.
    public func userRouter() -> Router<SealdropRequestContext> { http.userRouter() }

    /// The router of the admin listeners.
    public func adminRouter(startedAt: Date = Date()) -> Router<SealdropRequestContext> { http.adminRouter(startedAt: startedAt) }

    /// Recovers after a crash, then runs every listener and background service until SIGTERM/SIGINT.
    public func run() async throws {
        _ = try await cleanup.recoverAfterStart()
        try await archive.recoverAfterStart()
        try await runtimeSettings.loadPersisted()
        try await languagePacks.load()
        try await branding.load()
        // The first administrator is created once every listener is bound, so a start that fails on a busy
        // port prints only its one error line and no one-time password that nobody can use yet.
        let listeners = configuration.listeners
        let listenerCount = listeners.enabledCount
        let ready = StartupGate(count: listenerCount) { [self] in
            warnIfMailIsCaptured()
            do {
                try await bootstrapAdministrator()
            } catch {
                logger.error("admin.bootstrap.failed", metadata: ["error": "\(error)"])
            }
        }
        if listenerCount == 0 { await ready.arrive() }
        var tls: TLSConfiguration?
        if listeners.needsTLS {
            tls = try TLSSetup.serverConfiguration(configuration.certificate)
        }
        var services: [any Service] = [kdf, fileSync]
        services += try http.listenerServices(listeners, tls: tls) { await ready.arrive() }
        services.append(outbox)
        services.append(scheduler)
        services.append(archive)
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("server.starting", metadata: ["data.dir": "\(configuration.dataDirectory)", "base.url": "\(configuration.baseURL)"])
        try await group.run()
        await directory.shutdown()
    }
}

extension SealdropServer {
    /// The warning for mail that is only captured: the default transport outside `--dev`, and no relay chosen in
    /// the admin interface either. Nil when mail is sent (or the operator chose capture explicitly).
    public var mailCaptureWarning: String? {
        configuration.mailCapturedByDefault && mail.isCapture ? configuration.mailCaptureWarning : nil
    }

    /// Once every listener is bound: one loud line on standard error and in the log when mail is not sent.
    func warnIfMailIsCaptured(standardError: FileHandle = .standardError) {
        guard let warning = mailCaptureWarning else { return }
        standardError.write(Data("sealdrop: WARNING: \(warning)\n".utf8))
        logger.warning("mail.capture.default", metadata: ["mail.directory": "\(configuration.mail.captureDirectory)"])
    }

    /// First start: creates the `admin` account, with `SEALDROP_ADMIN_PASSWORD` or a one-time password
    /// printed once to standard error (never logged).
    func bootstrapAdministrator() async throws {
        guard let created = try await accounts.bootstrap(password: configuration.admin.bootstrapPassword) else { return }
        if let password = created.generatedPassword {
            FileHandle.standardError.write(Data("""
                sealdrop: created administrator "\(created.name)" with the one-time password: \(password)
                sealdrop: sign in on the admin listener and change it under Administrators; it is not shown again.

                """.utf8))
        }
        logger.notice("admin.bootstrap", metadata: ["admin.name": "\(created.name)", "password.source": "\(created.generatedPassword == nil ? "SEALDROP_ADMIN_PASSWORD" : "generated")"])
    }
}
