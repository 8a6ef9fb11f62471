import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The admin listeners' routes: the admin pages, the admin JSON API, liveness/readiness and Prometheus
/// metrics, all behind the admin network allow-list. The user API and pages are never served here.
struct AdminRoutes {
    /// The mail queue; its answering is the readiness probe, its counts are metrics.
    let outbox: OutboxAdminService
    let metrics: ServerMetrics
    let startedAt: Date
    /// The admin interface itself; nil serves only health and metrics.
    let surface: AdminSurface?
    /// The languages page and API; nil leaves them out.
    var languages: AdminLanguagesController? = nil
    /// The branding page and logo API; nil leaves them out.
    var branding: AdminBrandingController? = nil
    /// The policy rules API and pages; nil leaves them out.
    var policy: AdminPolicyController? = nil
    var policyPages: AdminPolicyPagesController? = nil

    func router() -> Router<SealdropRequestContext> {
        let router = Router(context: SealdropRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        if let surface {
            router.add(middleware: AdminErrorMiddleware(surface: surface))
            router.add(middleware: AdminAuthMiddleware(accounts: surface.accounts, settings: surface.settings))
            // Again inside: route errors then render with the signed-in principal's menu.
            router.add(middleware: AdminErrorMiddleware(surface: surface))
        }
        router.get("health") { _, _ in
            let ready = (try? await outbox.queuedCount()) != nil
            return JSONResponse(body: Health(status: ready ? "ok" : "unavailable", live: true, ready: ready),
                                status: ready ? .ok : .serviceUnavailable).response
        }
        router.get("metrics") { _, _ in
            let counts = (try? await outbox.counts()) ?? [:]
            let archive = (try? await surface?.archive?.counts()) ?? [:]
            let text = metrics.render(outboxQueued: counts[.queued] ?? 0, outboxFailed: counts[.failed] ?? 0,
                                      archivePending: archive[.pending] ?? 0, archiveFailed: archive[.failed] ?? 0,
                                      tasks: (try? await surface?.scheduler?.health()) ?? [:],
                                      uptimeSeconds: Int(Date().timeIntervalSince(startedAt)))
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        if let surface {
            AdminSessionController(surface: surface).addRoutes(to: router)
            AdminLogController(surface: surface).addRoutes(to: router)
            AdminSettingsController(surface: surface).addRoutes(to: router)
            AdminAccountsController(surface: surface).addRoutes(to: router)
            AdminAPIController(surface: surface).addRoutes(to: router)
            AdminTasksController(surface: surface).addRoutes(to: router)
            AdminSystemLogController(surface: surface).addRoutes(to: router)
            languages?.addRoutes(to: router)
            branding?.addRoutes(to: router)
            policy?.addRoutes(to: router)
            policyPages?.addRoutes(to: router)
            surface.staticFiles.addRoutes(to: router)
        }
        return router
    }
}

/// `GET /health`: liveness and readiness (the store answers).
struct Health: Encodable {
    let status: String
    let live: Bool
    let ready: Bool
}
