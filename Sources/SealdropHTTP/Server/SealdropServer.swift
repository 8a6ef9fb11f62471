import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SealdropCore
import SealdropCrypto
import SealdropServices
import SealdropStore
import ServiceLifecycle
import Synchronization

/// The composition root: builds every service from the configuration and runs them in one `ServiceGroup`.
public struct SealdropServer: Sendable {
    public let configuration: ServerConfiguration
    public let database: SealdropDatabase
    public let settings: SettingsStore
    public let blobs: FileBlobStore
    public let verification: VerificationService
    public let transfers: TransferService
    public let downloads: DownloadService
    public let outbox: OutboxService
    public let cleanup: CleanupService
    public let notifications: Notifications
    public let metrics: ServerMetrics
    /// The scrypt threads; first in the service group, so they stop after the listeners drained.
    let kdf: KeyDerivationRunner
    /// The threads that fsync and rename finished uploads; in the group next to `kdf`, for the same reason.
    let fileSync: FileSyncRunner
    let web: WebSurface
    /// The admin interface's services and pages.
    let admin: AdminSurface
    public var accounts: AdminAccounts { admin.accounts }
    public var audit: AuditLog { admin.audit }
    public var runtimeSettings: RuntimeSettings { admin.runtime }
    let logger: Logger

    /// Opens the data dir, database (migrated) and server key, and wires the services.
    public static func build(configuration: ServerConfiguration, logger: Logger) throws -> SealdropServer {
        let data = configuration.dataDirectory
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
            serverKey = try ServerKey.loadOrCreate(at: data + "/server.key")
        } catch {
            throw ConfigurationError(key: "SEALDROP_DATA_DIR", problem: "server key \(data)/server.key is unusable (\(error))")
        }
        let database = try SealdropDatabase.open(path: configuration.sqlitePath, bodySealer: MailBodySealer(serverKey: serverKey))
        let blobs = try FileBlobStore(directory: data + "/store")
        let host = URL(string: configuration.baseURL)?.host ?? "localhost"
        let settings = SettingsStore(configuration.settings)
        let fromPinned = configuration.mailFromPinned
        let baseURLPinned = configuration.baseURLPinned
        let notifications = Notifications(builder: MailMessageBuilder(from: configuration.mailFrom, messageIdHost: host),
                                          templates: try configuration.loadMailTemplates(), baseURL: configuration.baseURL,
                                          fromOverride: { fromPinned ? nil : settings.current.mail.from.isEmpty ? nil : settings.current.mail.from },
                                          baseURLOverride: { baseURLPinned ? nil : settings.current.publicBaseURL.isEmpty ? nil : settings.current.publicBaseURL })
        let kdf = KeyDerivationRunner()
        let fileSync = FileSyncRunner()
        var outboxConfiguration = OutboxService.Configuration()
        outboxConfiguration.firstRetryDelay = configuration.outboxFirstRetrySeconds
        outboxConfiguration.maxAge = configuration.outboxMaxAgeHours * 3600
        let transport = SwitchingMailTransport(configuredURL: configuration.smtpURL, pinned: configuration.smtpURLPinned, settings: settings,
                                               dataDirectory: data, trustCA: configuration.trustCAPath, ehloName: host, logger: logger)
        _ = try transport.transport()
        let transfers = TransferService(transfers: database, blobs: blobs, serverKey: serverKey, settings: settings, notifications: notifications,
                                        kdf: kdf, fileSync: fileSync, wrapParameters: configuration.passwordWrap, logger: logger)
        let audit = AuditLog(repository: database)
        let accounts = AdminAccounts(repository: database, audit: audit,
                                     hasher: AdminPasswordHasher(cost: UInt8(configuration.adminBcryptCost), kdf: kdf), logger: logger)
        let runtime = RuntimeSettings(store: settings, repository: database, audit: audit, serverKey: serverKey, pinnedJSON: configuration.pinnedSettingsJSON,
                                      environmentPinned: configuration.environmentPinnedSettings, logger: logger)
        let metrics = ServerMetrics()
        let staticFiles = try StaticFiles()
        let admin = AdminSurface(accounts: accounts, audit: audit, runtime: runtime, pages: try WebPages(settings: settings, folder: "admin"),
                                 database: database, transfers: transfers, metrics: metrics, configuration: configuration, mail: transport, notifications: notifications,
                                 logLines: RecentLogLines.shared, kdf: kdf, staticFiles: staticFiles, startedAt: Date())
        return SealdropServer(
            configuration: configuration, database: database, settings: settings, blobs: blobs,
            verification: VerificationService(repository: database, settings: settings, notifications: notifications, logger: logger),
            transfers: transfers,
            downloads: DownloadService(transfers: database, outbox: database, blobs: blobs, settings: settings, notifications: notifications,
                                       kdf: kdf, logger: logger),
            outbox: OutboxService(outbox: database, transport: transport, configuration: outboxConfiguration, logger: logger),
            cleanup: CleanupService(transfers: database, verifications: database, blobs: blobs, settings: settings,
                                    notifications: notifications, logger: logger),
            notifications: notifications, metrics: metrics, kdf: kdf, fileSync: fileSync,
            web: try WebSurface(settings: settings, uploads: ChunkedUploads(transfers: transfers)), admin: admin, logger: logger
        )
    }

    /// The router of the user listeners: `/api` and the web pages.
    public func userRouter() -> Router<SealdropRequestContext> {
        let router = Router(context: SealdropRequestContext.self)
        router.add(middleware: RequestLogMiddleware(metrics: metrics))
        router.add(middleware: CORSPolicyMiddleware(settings: settings))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: APIErrorMiddleware())
        router.get("api/status") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let body = #"{"apiVersions":{"uiApiVersions":[{"major":1,"minor":\#(settings.current.apiMinorVersion)}]}}"#
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("api/openapi.yaml") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "Resources"),
                  let data = try? Data(contentsOf: url) else { throw SealdropError.notFound("The API description") }
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let api = router.group("api").add(middleware: APIConventionsMiddleware(settings: settings))
        let sessions = SessionController(verification: verification, transfers: transfers, policy: PolicyService(settings: settings),
                                         baseURL: { [notifications] in notifications.baseURL })
        ProductController(settings: settings, logger: logger).addRoutes(to: api)
        PasswordController(settings: settings).addRoutes(to: api)
        VerificationController(verification: verification).addRoutes(to: api)
        sessions.addRoutes(to: api)
        SentTransferController(sessions: sessions, transfers: transfers, notifications: notifications).addRoutes(to: api)
        RecipientController(downloads: downloads, budget: web.downloadBudget).addRoutes(to: api)
        RetrieveController(downloads: downloads, budget: web.downloadBudget, pages: web.pages, tickets: web.tickets).addRoutes(to: router)
        let senders = SenderController(verification: verification, transfers: transfers, settings: settings, pages: web.pages)
        senders.addRoutes(to: router)
        UploadController(transfers: transfers, uploads: web.uploads, settings: settings, pages: web.pages,
                         senders: senders).addRoutes(to: router)
        web.staticFiles.addRoutes(to: router)
        return router
    }

    /// The router of the admin listeners.
    public func adminRouter(startedAt: Date = Date()) -> Router<SealdropRequestContext> {
        AdminRoutes(database: database, metrics: metrics, startedAt: admin.startedAt, surface: admin).router()
    }

    /// Recovers after a crash, then runs every listener and background service until SIGTERM/SIGINT.
    public func run() async throws {
        _ = try await cleanup.recoverAfterStart()
        try await admin.runtime.loadPersisted()
        // The first administrator is created once every listener is bound, so a start that fails on a busy
        // port prints only its one error line and no one-time password that nobody can use yet.
        let listenerCount = [configuration.userHTTP, configuration.userHTTPS, configuration.adminHTTPS, configuration.adminHTTP].filter { $0 != .off }.count
        let ready = StartupGate(count: listenerCount) { [self] in
            warnIfMailIsCaptured()
            do {
                try await bootstrapAdministrator()
            } catch {
                logger.error("admin.bootstrap.failed", metadata: ["error": "\(error)"])
            }
        }
        if listenerCount == 0 { await ready.arrive() }
        let user = userRouter().buildResponder()
        let admin = adminRouter().buildResponder()
        let c = configuration
        var tls: TLSConfiguration?
        if c.userHTTPS != .off || c.adminHTTPS != .off {
            tls = try TLSSetup.serverConfiguration(certificatePath: c.tlsCertificatePath, keyPath: c.tlsKeyPath, dataDirectory: c.dataDirectory)
        }
        var httpsPort: Int?
        if case .on(_, let port) = c.userHTTPS { httpsPort = port }
        let limits = SlowClientGuard.Limits(
            head: configuration.requestHeaderTimeout > 0 ? .milliseconds(Int64(configuration.requestHeaderTimeout * 1000)) : nil,
            body: configuration.requestBodyTimeout > 0 ? .milliseconds(Int64(configuration.requestBodyTimeout * 1000)) : nil)
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [SendBufferLimit(), SlowClientGuard(limits: limits),
                                                                          ExpectContinueHandler(), SendProgressHandler()],
                                               idleTimeout: .seconds(120))
        var services: [any Service] = [kdf, fileSync]
        if case .on(let host, let port) = c.userHTTP {
            let responder = HTTPSRedirectResponder(base: user, settings: settings, httpsPort: httpsPort)
            services.append(ListenerService(name: "user HTTP", variable: "SEALDROP_USER_HTTP", address: c.userHTTP, application: Application(
                responder: responder, server: .http1(configuration: http1),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await ready.arrive() },
                logger: logger)))
        }
        if case .on(let host, let port) = c.userHTTPS, let tls {
            services.append(ListenerService(name: "user HTTPS", variable: "SEALDROP_USER_HTTPS", address: c.userHTTPS, application: Application(
                responder: StrictTransportSecurityResponder(base: user), server: try .tls(.http1(configuration: http1), tlsConfiguration: tls),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await ready.arrive() },
                logger: logger)))
        }
        if case .on(let host, let port) = c.adminHTTPS, let tls {
            services.append(ListenerService(name: "admin HTTPS", variable: "SEALDROP_ADMIN_HTTPS", address: c.adminHTTPS, application: Application(
                responder: StrictTransportSecurityResponder(base: admin), server: try .tls(.http1(configuration: http1), tlsConfiguration: tls),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await ready.arrive() },
                logger: logger)))
        }
        if case .on(let host, let port) = c.adminHTTP {
            var adminHTTPSPort: Int?
            if case .on(_, let port) = c.adminHTTPS { adminHTTPSPort = port }
            let responder = HTTPSRedirectResponder(base: admin, settings: settings, httpsPort: adminHTTPSPort, enabled: { $0.adminRedirectHTTPToHTTPS })
            services.append(ListenerService(name: "admin HTTP", variable: "SEALDROP_ADMIN_HTTP", address: c.adminHTTP, application: Application(
                responder: responder, server: .http1(configuration: http1),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await ready.arrive() },
                logger: logger)))
        }
        services.append(outbox)
        services.append(cleanup)
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("server.starting", metadata: ["data.dir": "\(c.dataDirectory)", "base.url": "\(c.baseURL)"])
        try await group.run()
    }
}

extension SealdropServer {
    /// The warning for mail that is only captured: the default transport outside `--dev`, and no relay chosen in
    /// the admin interface either. Nil when mail is sent (or the operator chose capture explicitly).
    public var mailCaptureWarning: String? {
        configuration.mailCapturedByDefault && admin.mail.isCapture ? configuration.mailCaptureWarning : nil
    }

    /// Once every listener is bound: one loud line on standard error and in the log when mail is not sent.
    func warnIfMailIsCaptured(standardError: FileHandle = .standardError) {
        guard let warning = mailCaptureWarning else { return }
        standardError.write(Data("sealdrop: WARNING: \(warning)\n".utf8))
        logger.warning("mail.capture.default", metadata: ["mail.directory": "\(configuration.mailCaptureDirectory)"])
    }

    /// First start: creates the `admin` account, with `SEALDROP_ADMIN_PASSWORD` or a one-time password
    /// printed once to standard error (never logged).
    func bootstrapAdministrator() async throws {
        guard let created = try await admin.accounts.bootstrap(password: configuration.adminPassword) else { return }
        if let password = created.generatedPassword {
            FileHandle.standardError.write(Data("""
                sealdrop: created administrator "\(created.name)" with the one-time password: \(password)
                sealdrop: sign in on the admin listener and change it under Administrators; it is not shown again.

                """.utf8))
        }
        logger.notice("admin.bootstrap", metadata: ["admin.name": "\(created.name)", "password.source": "\(created.generatedPassword == nil ? "SEALDROP_ADMIN_PASSWORD" : "generated")"])
    }
}

/// Runs an action once, when the last of `count` listeners reported that it is running.
final class StartupGate: Sendable {
    private let remaining: Mutex<Int>
    private let action: @Sendable () async -> Void

    init(count: Int, action: @escaping @Sendable () async -> Void) {
        self.remaining = Mutex(max(1, count))
        self.action = action
    }

    func arrive() async {
        let last = remaining.withLock { left -> Bool in
            left -= 1
            return left == 0
        }
        if last { await action() }
    }
}

/// One HTTP listener; a bind failure becomes one clear line naming the listener and what to do.
struct ListenerService<Responder: HTTPResponder>: Service where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let name: String
    let variable: String
    let address: ServerConfiguration.Listener
    let application: Application<Responder>

    func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError where [EADDRINUSE, EACCES, EADDRNOTAVAIL].contains(error.errnoCode) {
            let reason = switch error.errnoCode {
            case EADDRINUSE: "the address is already in use"
            case EACCES: "binding this port is not permitted (ports below 1024 need privileges)"
            default: "the address is not available on this host"
            }
            throw ConfigurationError(key: variable, problem: "\(name) listener \(address): \(reason); set \(variable) to a free host:port or off")
        }
    }
}
