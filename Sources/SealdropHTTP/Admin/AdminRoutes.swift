import Foundation
import Hummingbird
import SealdropCore
import SealdropStore

/// The admin listeners' routes for now: liveness/readiness and Prometheus metrics.
///
/// Routes: `GET /health`, `GET /metrics`. The user API is never served here.
struct AdminRoutes {
    let database: SealdropDatabase
    let metrics: ServerMetrics
    let startedAt: Date

    func router() -> Router<SealdropRequestContext> {
        let router = Router(context: SealdropRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.get("health") { _, _ in
            let ready = (try? await database.queuedCount()) != nil
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            let body = #"{"status":"\#(ready ? "ok" : "unavailable")","live":true,"ready":\#(ready)}"#
            return Response(status: ready ? .ok : .serviceUnavailable, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("metrics") { _, _ in
            let queued = (try? await database.queuedCount()) ?? -1
            var text = ""
            text += "# HELP sealdrop_http_requests_total HTTP requests received on the user listeners.\n# TYPE sealdrop_http_requests_total counter\n"
            text += "sealdrop_http_requests_total \(metrics.requests.load(ordering: .relaxed))\n"
            text += "# HELP sealdrop_outbox_queued Mail messages waiting for delivery.\n# TYPE sealdrop_outbox_queued gauge\n"
            text += "sealdrop_outbox_queued \(queued)\n"
            text += "# HELP sealdrop_uptime_seconds Seconds since the server started.\n# TYPE sealdrop_uptime_seconds gauge\n"
            text += "sealdrop_uptime_seconds \(Int(Date().timeIntervalSince(startedAt)))\n"
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }
}
