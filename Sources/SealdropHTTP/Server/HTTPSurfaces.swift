import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SealdropCore
import SealdropServices
import ServiceLifecycle

/// The HTTP side of Sealdrop, from services the composition root built: the user router (`/api` and the web
/// pages), the admin router, and one listener service per enabled address.
public struct HTTPSurfaces: Sendable {
    /// Where the listeners bind and how long they wait for slow clients.
    public struct Listeners: Sendable {
        /// `SEALDROP_USER_HTTP`: the user pages and API over plain HTTP. Default `0.0.0.0:80` (`--dev`: 8000).
        public var userHTTP: ListenerAddress
        /// `SEALDROP_USER_HTTPS`. Default `0.0.0.0:443` (`--dev`: 8443).
        public var userHTTPS: ListenerAddress
        /// `SEALDROP_ADMIN_HTTPS`: the admin interface. Default `0.0.0.0:8080`.
        public var adminHTTPS: ListenerAddress
        /// `SEALDROP_ADMIN_HTTP`: the admin interface, `/health` and `/metrics` over plain HTTP. Default `0.0.0.0:9090`.
        public var adminHTTP: ListenerAddress
        /// `SEALDROP_REQUEST_HEADER_TIMEOUT`: seconds a client has to send a complete request head (0: no limit). Default 30.
        public var requestHeaderTimeout: Double
        /// `SEALDROP_REQUEST_BODY_TIMEOUT`: seconds in which a client must send at least 1 KiB of a request body
        /// (0: no limit). Default 60.
        public var requestBodyTimeout: Double

        public init(userHTTP: ListenerAddress, userHTTPS: ListenerAddress, adminHTTPS: ListenerAddress, adminHTTP: ListenerAddress,
                    requestHeaderTimeout: Double, requestBodyTimeout: Double) {
            self.userHTTP = userHTTP
            self.userHTTPS = userHTTPS
            self.adminHTTPS = adminHTTPS
            self.adminHTTP = adminHTTP
            self.requestHeaderTimeout = requestHeaderTimeout
            self.requestBodyTimeout = requestBodyTimeout
        }

        /// Listeners that are not `off`.
        public var enabledCount: Int { [userHTTP, userHTTPS, adminHTTPS, adminHTTP].filter { $0 != .off }.count }
        /// Whether any listener speaks TLS (then the composition root loads a certificate).
        public var needsTLS: Bool { userHTTPS != .off || adminHTTPS != .off }
    }

    let settings: SettingsStore
    let verification: VerificationService
    let sessions: TransferSessionService
    let uploads: UploadService
    let finalizing: FinalizeService
    let sentTransfers: SentTransferService
    let downloads: DownloadService
    let notifications: Notifications
    public let metrics: ServerMetrics
    let web: WebSurface
    /// The admin interface's services and pages.
    let admin: AdminSurface
    let logger: Logger
    /// Uploaded languages, offered by the web app and the API.
    let languagePacks: LanguagePackService
    /// The uploaded logo.
    let branding: BrandingService
    /// How far each open connection's response bodies have been written, for paced downloads.
    let sendProgress = SendProgressRegistry()

    /// Builds the pages of both surfaces; throws when a bundled template or static file is missing.
    public init(settings: SettingsStore, verification: VerificationService, sessions: TransferSessionService, uploads: UploadService,
                finalizing: FinalizeService, sentTransfers: SentTransferService, downloads: DownloadService,
                notifications: Notifications, accounts: AdminAccounts, audit: AuditLog, runtime: RuntimeSettings,
                transferLog: TransferLogService, outbox: OutboxAdminService, mail: any MailRelay, process: AdminProcessFacts, logLines: RecentLogLines,
                kdf: KeyDerivationRunner, languagePacks: LanguagePackService, branding: BrandingService, logger: Logger,
                directory: any DirectoryDiagnostics = NoDirectoryDiagnostics(), archive: ArchiveService? = nil, archiveKeys: (any ArchiveKeys)? = nil,
                scheduler: Scheduler? = nil, systemLog: SystemLogReader? = nil,
                updates: (any UpdateStatusSource)? = nil, backups: BackupService? = nil, startedAt: Date = Date()) throws {
        self.languagePacks = languagePacks
        self.branding = branding
        self.settings = settings
        self.verification = verification
        self.sessions = sessions
        self.uploads = uploads
        self.finalizing = finalizing
        self.sentTransfers = sentTransfers
        self.downloads = downloads
        self.notifications = notifications
        self.logger = logger
        let metrics = ServerMetrics()
        self.metrics = metrics
        self.admin = AdminSurface(accounts: accounts, audit: audit, runtime: runtime, pages: try WebPages(settings: settings, folder: "admin"),
                                  transferLog: transferLog, outbox: outbox, verification: verification, metrics: metrics, process: process, mail: mail,
                                  notifications: notifications, logLines: logLines, kdf: kdf, staticFiles: try StaticFiles(), startedAt: startedAt,
                                  directory: directory, archive: archive, archiveKeys: archiveKeys, scheduler: scheduler, systemLog: systemLog,
                                  updates: updates, backups: backups)
        self.web = try WebSurface(settings: settings, uploads: ChunkedUploads(uploads: uploads), languagePacks: languagePacks, branding: branding)
    }

    /// The router of the user listeners: `/api` and the web pages.
    public func userRouter() -> Router<SealdropRequestContext> {
        let router = Router(context: SealdropRequestContext.self)
        router.add(middleware: RequestLogMiddleware(metrics: metrics))
        router.add(middleware: CORSPolicyMiddleware(settings: settings))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: APIErrorMiddleware())
        router.get("api/status") { [settings] _, _ in
            JSONResponse(body: APIStatus(minor: settings.current.apiMinorVersion), cacheControl: nil).response
        }
        router.get("api/openapi.yaml") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "Resources"),
                  let data = try? Data(contentsOf: url) else { throw SealdropError.notFound("The API description") }
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        let api = router.group("api").add(middleware: APIConventionsMiddleware(settings: settings))
        // Routes below `/api/users/{email}` act for the sender the middleware authenticated (`VerifiedSenderContext`).
        let verified = api.group().add(middleware: VerifiedSenderMiddleware(verification: verification)).group(context: VerifiedSenderContext.self)
        ProductController(settings: settings, logger: logger, languagePacks: languagePacks, webStrings: web.pages.strings,
                          packTexts: web.pages.packTexts).addRoutes(to: api)
        PasswordController(settings: settings).addRoutes(to: api)
        VerificationController(verification: verification).addRoutes(to: api)
        SessionController(sessions: sessions, uploads: uploads, finalizing: finalizing, policy: sessions.policy,
                          baseURL: { [notifications] in notifications.baseURL }).addRoutes(to: verified)
        SentTransferController(transfers: sentTransfers, notifications: notifications).addRoutes(to: verified)
        RecipientController(downloads: downloads, budget: web.downloadBudget, sendProgress: sendProgress).addRoutes(to: api)
        RetrieveController(downloads: downloads, budget: web.downloadBudget, sendProgress: sendProgress, pages: web.pages, tickets: web.tickets).addRoutes(to: router)
        let senders = SenderController(verification: verification, transfers: sentTransfers, settings: settings, pages: web.pages)
        senders.addRoutes(to: router)
        UploadController(sessions: sessions, uploads: uploads, chunks: web.uploads, finalizing: finalizing, sentTransfers: sentTransfers,
                         settings: settings, pages: web.pages, senders: senders).addRoutes(to: router)
        BrandingController(settings: settings, branding: branding).addRoutes(to: router)
        web.staticFiles.addRoutes(to: router)
        return router
    }

    /// The router of the admin listeners.
    public func adminRouter(startedAt: Date = Date()) -> Router<SealdropRequestContext> {
        AdminRoutes(outbox: admin.outbox, metrics: metrics, startedAt: admin.startedAt, surface: admin,
                    languages: AdminLanguagesController(surface: admin, packs: languagePacks, reference: web.pages.strings["en"] ?? [:]),
                    branding: AdminBrandingController(surface: admin, branding: branding),
                    policy: AdminPolicyController(surface: admin, policy: sessions.policy),
                    policyPages: AdminPolicyPagesController(surface: admin, policy: sessions.policy)).router()
    }

    /// One service per enabled listener, each calling `onRunning` once it is bound; `tls` serves the HTTPS ones.
    public func listenerServices(_ c: Listeners, tls: TLSConfiguration?,
                                 onRunning: @escaping @Sendable () async -> Void) throws -> [any Service] {
        let user = userRouter().buildResponder()
        let admin = adminRouter().buildResponder()
        var httpsPort: Int?
        if case .on(_, let port) = c.userHTTPS { httpsPort = port }
        let limits = SlowClientGuard.Limits(
            head: c.requestHeaderTimeout > 0 ? .milliseconds(Int64(c.requestHeaderTimeout * 1000)) : nil,
            body: c.requestBodyTimeout > 0 ? .milliseconds(Int64(c.requestBodyTimeout * 1000)) : nil)
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [SendBufferLimit(), SlowClientGuard(limits: limits),
                                                                          ExpectContinueHandler(), SendProgressHandler(registry: sendProgress)],
                                               idleTimeout: .seconds(120))
        var services: [any Service] = []
        if case .on(let host, let port) = c.userHTTP {
            let responder = HTTPSRedirectResponder(base: user, settings: settings, httpsPort: httpsPort)
            services.append(ListenerService(name: "user HTTP", variable: "SEALDROP_USER_HTTP", address: c.userHTTP, application: Application(
                responder: responder, server: .http1(configuration: http1),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await onRunning() },
                logger: logger)))
        }
        if case .on(let host, let port) = c.userHTTPS, let tls {
            services.append(ListenerService(name: "user HTTPS", variable: "SEALDROP_USER_HTTPS", address: c.userHTTPS, application: Application(
                responder: StrictTransportSecurityResponder(base: user), server: try .tls(.http1(configuration: http1), tlsConfiguration: tls),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await onRunning() },
                logger: logger)))
        }
        if case .on(let host, let port) = c.adminHTTPS, let tls {
            services.append(ListenerService(name: "admin HTTPS", variable: "SEALDROP_ADMIN_HTTPS", address: c.adminHTTPS, application: Application(
                responder: StrictTransportSecurityResponder(base: admin), server: try .tls(.http1(configuration: http1), tlsConfiguration: tls),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await onRunning() },
                logger: logger)))
        }
        if case .on(let host, let port) = c.adminHTTP {
            var adminHTTPSPort: Int?
            if case .on(_, let port) = c.adminHTTPS { adminHTTPSPort = port }
            let responder = HTTPSRedirectResponder(base: admin, settings: settings, httpsPort: adminHTTPSPort, enabled: { $0.adminRedirectHTTPToHTTPS })
            services.append(ListenerService(name: "admin HTTP", variable: "SEALDROP_ADMIN_HTTP", address: c.adminHTTP, application: Application(
                responder: responder, server: .http1(configuration: http1),
                configuration: .init(address: .hostname(host, port: port), serverName: nil), onServerRunning: { _ in await onRunning() },
                logger: logger)))
        }
        return services
    }
}

/// `GET /api/status`: the REST API versions this server speaks (major 1, the configured minor).
struct APIStatus: Encodable {
    /// One supported version.
    struct Version: Encodable { let major: Int, minor: Int }
    /// The versions of the UI API.
    struct Versions: Encodable { let uiApiVersions: [Version] }

    let apiVersions: Versions

    init(minor: Int) {
        apiVersions = Versions(uiApiVersions: [Version(major: 1, minor: minor)])
    }
}
