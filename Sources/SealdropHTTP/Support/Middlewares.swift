import Foundation
import Hummingbird
import Logging
import SealdropCore
import SealdropServices

/// Logs one line per request: method, path without the query (which may carry a password or a transfer id)
/// and with transfer and file ids replaced by their `LogRef`, status, duration;
/// and feeds ``ServerMetrics``: status class and duration of every request, upload bytes as PUT bodies are
/// read, download bytes as attachment bodies are written (see ``ServerMetrics`` for the exact rules).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var request = request
        if request.method == .put {
            request.body = RequestBody(asyncSequence: request.body.map { [metrics] buffer in
                metrics.addUploaded(buffer.readableBytes)
                return buffer
            })
        }
        do {
            var response = try await next(request, context)
            log(request, context, status: response.status.code, start: start)
            if request.method == .get, response.status == .ok || response.status == .partialContent,
               response.headers[.contentDisposition]?.hasPrefix("attachment") == true {
                response.body = countingDownloads(response.body)
            }
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, start: start)
            throw error
        }
    }

    func log(_ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        metrics.recordRequest(status: status, duration: elapsed)
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("http.request", metadata: [
            "http.method": "\(request.method.rawValue)",
            "http.path": "\(Self.loggedPath(request.uri.path, parameters: context.parameters))",
            "http.status": "\(status)",
            "duration.ms": "\(Int(ms))",
            "client.ip": "\(context.clientIP ?? "-")",
        ])
    }

    /// Route parameters that name a recipient's transfer (the download link's secret) or a file.
    static let secretParameters: Set<Substring> = ["transferId", "fileId"]

    /// The path as logged: transfer and file ids become `~` and their ``LogRef`` (`/api/transfers/~3fa29c1b`).
    /// On a matched route those are its `transferId` and `fileId` parameters; on an unmatched path every
    /// segment shaped like such an id, since nothing says what it is.
    static func loggedPath(_ path: String, parameters: Parameters) -> String {
        let secrets = Set(parameters.filter { secretParameters.contains($0.key) }.map(\.value))
        let matched = !parameters.isEmpty
        return path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            let secret = matched ? secrets.contains(segment) : TransferID(rawValue: String(segment)) != nil
            return secret ? "~" + LogRef.of(String(segment)) : String(segment)
        }.joined(separator: "/")
    }

    /// The same body, same length, counting each buffer into the download bytes as it is written.
    func countingDownloads(_ body: ResponseBody) -> ResponseBody {
        let metrics = metrics
        return ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer.map { buffer in
                metrics.addDownloaded(buffer.readableBytes)
                return buffer
            })
        }
    }
}

/// Security headers on every user-listener response.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        return response
    }
}

/// CORS for browser clients from the configured origins (spec §2.9), including pre-flights.
struct CORSPolicyMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    let settings: SettingsStore

    static let allowedHeaders = "X-CS-ClientId, X-CS-MajorApiVersion, X-CS-MinimumMinorApiVersion, X-CS-ProductKey, X-CS-VerificationToken, X-CS-Password, Content-Type, Accept-Language"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], request.uri.path.hasPrefix("/api/") || request.uri.path == "/api" else {
            return try await next(request, context)
        }
        let allowed = settings.current.cors.allows(origin: origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = HTTPFields()
            headers[.vary] = "Origin"
            if allowed {
                headers[.accessControlAllowOrigin] = origin
                headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
                headers[.accessControlAllowHeaders] = Self.allowedHeaders
                headers[.accessControlMaxAge] = "600"
            }
            return Response(status: allowed ? .noContent : .forbidden, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.vary] = "Origin"
        if allowed {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = "Location, Content-Disposition, Content-Range"
        }
        return response
    }
}

/// Redirects plain-HTTP user requests to HTTPS when the setting asks for it.
struct HTTPSRedirectResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == SealdropRequestContext {
    typealias Context = SealdropRequestContext
    let base: Base
    let settings: SettingsStore
    let httpsPort: Int?
    /// Which setting switches the redirect on (user or admin listener).
    var enabled: @Sendable (SealdropSettings) -> Bool = { $0.redirectHTTPToHTTPS }

    func respond(to request: Request, context: Context) async throws -> Response {
        guard enabled(settings.current), let httpsPort else { return try await base.respond(to: request, context: context) }
        let raw = request.head.authority ?? "localhost"
        // Only host-name characters may reach the Location header.
        let authority = raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }) ? raw : "localhost"
        var host = authority
        if let bracket = authority.lastIndex(of: "]") {
            host = String(authority[...bracket])
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
        }
        let port = httpsPort == 443 ? "" : ":\(httpsPort)"
        var headers = HTTPFields()
        headers[.location] = "https://\(host)\(port)\(request.uri.path)\(request.uri.query.map { "?" + $0 } ?? "")"
        return Response(status: .permanentRedirect, headers: headers)
    }
}

/// Adds `Strict-Transport-Security` to every answer of an HTTPS listener, error answers included, so browsers
/// refuse plain HTTP to this host for a year. Never wraps a plain-HTTP listener (RFC 6797 §7.2); no
/// `includeSubDomains`, as other hosts of the domain may still serve plain HTTP.
struct StrictTransportSecurityResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == SealdropRequestContext {
    typealias Context = SealdropRequestContext
    static var value: String { "max-age=31536000" }
    let base: Base

    func respond(to request: Request, context: Context) async throws -> Response {
        var response: Response
        do {
            response = try await base.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.init("Strict-Transport-Security")!] = Self.value
        return response
    }
}
