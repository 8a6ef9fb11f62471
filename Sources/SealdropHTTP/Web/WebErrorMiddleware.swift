import Foundation
import Hummingbird
import Logging
import NIOCore
import SealdropCore
import SealdropServices

/// Errors only the web pages raise.
enum WebError: Error {
    /// No such recipient transfer id (or a malformed one).
    case notFound
    /// The form's CSRF token is missing or does not match (an old tab, or another site).
    case staleForm
    /// The page needs the password first: back to the form for this transfer id.
    case needsPassword(TransferID)
    /// The page needs a verified sender: to verification, then back to `next`.
    case needsIdentity(next: String)
    /// The recipient's transfer id is valid but the transfer expired at this date.
    case transferExpired(on: Date)
    /// The recipient's transfer id is valid but the sender revoked the transfer.
    case transferRevoked
    /// A form or JSON body larger than its reader accepts.
    case bodyTooLarge
    /// A form or JSON body that could not be read: cut off, or not what the page sends.
    case malformedBody
}

/// Maps every error under the web pages to a page in one place: a human message, the right status,
/// never the error's own text. Unknown errors are logged with the request id and shown as a generic page.
/// An expired or revoked transfer gets its own page (410) saying so; an unknown id the neutral 404.
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    let pages: WebPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch WebError.needsPassword(let transferId) {
            var headers = HTTPFields()
            headers[.location] = "/download?id=\(transferId.rawValue)"
            return Response(status: .seeOther, headers: headers)
        } catch WebError.needsIdentity(let next) {
            var headers = HTTPFields()
            headers[.location] = "/sender?next=" + WebPages.queryEscape(next)
            return Response(status: .seeOther, headers: headers)
        } catch WebError.transferExpired(let date) {
            return gonePage(request, state: "expired", date: date)
        } catch WebError.transferRevoked {
            return gonePage(request, state: "revoked", date: nil)
        } catch {
            let (status, key) = Self.page(for: error)
            if status == .internalServerError {
                context.logger.error("web.error", metadata: ["error.type": "\(type(of: error))"])
            }
            return pages.render("error", status: status, request: request, model: ErrorPage(messageKey: key, message: pages.strings[WebPages.language(of: request)]?[key] ?? ""))
        }
    }

    /// The page for a transfer the recipient's link names but that can no longer be retrieved (410): its
    /// state (`expired` or `revoked`) in words, with the expiry date where it has one.
    func gonePage(_ request: Request, state: String, date: Date?) -> Response {
        let language = WebPages.language(of: request)
        let t = pages.strings[language] ?? [:]
        var text = t["\(state)Text"] ?? ""
        if let date { text = text.replacingOccurrences(of: "{date}", with: DisplayFormat.date(date, language: language)) }
        return pages.render("retrieve-gone", status: .gone, request: request,
                            model: GonePage(state: state, title: t["\(state)Title"] ?? "", text: text))
    }

    /// `error`: what went wrong, as a UI string and its key.
    struct ErrorPage { let messageKey: String, message: String }

    /// `retrieve-gone`: an expired or revoked transfer.
    struct GonePage { let state: String, title: String, text: String }

    /// Status and UI string key of the error page for `error`.
    static func page(for error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case WebError.notFound: return (.notFound, "errorNotFound")
        case WebError.staleForm: return (.forbidden, "errorStaleForm")
        case WebError.transferExpired: return (.gone, "expiredTitle")
        case WebError.transferRevoked: return (.gone, "revokedText")
        case WebError.bodyTooLarge, is NIOTooManyBytesError: return (.contentTooLarge, "errorTooLarge")
        case let e as HTTPError where e.status == .contentTooLarge: return (.contentTooLarge, "errorTooLarge")
        case WebError.malformedBody, is DecodingError: return (.badRequest, "errorBadRequest")
        case let e as HTTPError where e.status == .notFound: return (.notFound, "errorNotFound")
        case let e as HTTPError where (400..<500).contains(e.status.code): return (.badRequest, "errorBadRequest")
        case let e as SealdropError:
            switch e.code {
            case SealdropError.locked.code: return (.forbidden, "errorLocked")
            case SealdropError.deletedByThisRequest.code: return (.gone, "errorDeleted")
            case SealdropError.tooManyRequests.code: return (.tooManyRequests, "errorTooMany")
            default:
                switch e.status {
                case 404, 410: return (.notFound, "errorNotFound")
                case 400..<500: return (.badRequest, "errorBadRequest")
                default: return (.internalServerError, "errorServer")
                }
            }
        default: return (.internalServerError, "errorServer")
        }
    }
}

/// Reading the small bodies of forms and of the upload page's JSON API.
enum WebBody {
    /// The whole body, at most `limit` bytes: `WebError.bodyTooLarge` beyond, `WebError.malformedBody`
    /// when the connection broke off or the framing was invalid.
    static func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw mapped(error)
        }
    }

    /// What a failed body read means to a page: too large, cancelled, or broken off / malformed.
    static func mapped(_ error: any Error) -> any Error {
        switch error {
        case is NIOTooManyBytesError: return WebError.bodyTooLarge
        case let error as HTTPError where error.status == .contentTooLarge: return WebError.bodyTooLarge
        case is CancellationError: return CancellationError()
        default: return WebError.malformedBody
        }
    }
}

/// The stylesheet, scripts and icon of the pages, from `Resources/web/static`, cached for a day; the icon also
/// answers `/favicon.ico`, which browsers ask for before they read `<link rel="icon">`.
struct StaticFiles: Sendable {
    let files: [String: (type: String, bytes: [UInt8])]

    init() throws {
        guard let directory = Bundle.module.url(forResource: "static", withExtension: nil, subdirectory: "Resources/web")?.path else {
            throw SealdropError.notFound("The web static files")
        }
        var files: [String: (String, [UInt8])] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8"
                : name.hasSuffix(".svg") ? "image/svg+xml" : "application/octet-stream"
            files[name] = (type, try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))))
        }
        self.files = files
    }

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.get("static/:name") { _, context in
            guard let name = context.parameters.get("name"), let response = response(for: name) else { throw SealdropError.noSuchEndpoint }
            return response
        }
        router.get("favicon.ico") { _, _ in
            guard let response = response(for: "favicon.svg") else { throw SealdropError.noSuchEndpoint }
            return response
        }
    }

    /// The file `name` with its type and a day of caching; nil when there is no such file.
    func response(for name: String) -> Response? {
        guard let file = files[name] else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = file.type
        headers[.cacheControl] = "public, max-age=86400"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}

/// What the web pages share: templates and strings, the retrieval ticket key, the static files, the
/// uploads in progress.
struct WebSurface: Sendable {
    let pages: WebPages
    let tickets: RetrievalTickets
    let staticFiles: StaticFiles
    let uploads: ChunkedUploads
    /// Decrypted segments all downloads (API and pages) may hold at once: 8 × 1 MiB. Measured with 500
    /// parallel downloads on 2 cores, 8 keep the same throughput as 32 at a lower peak RSS; a reader that
    /// stalls keeps its unit at most for the request body timeout (`SlowClientGuard`).
    let downloadBudget = AsyncBudget(limit: 8)

    init(settings: SettingsStore, uploads: ChunkedUploads, languagePacks: LanguagePackService? = nil, branding: BrandingService? = nil) throws {
        pages = try WebPages(settings: settings, languagePacks: languagePacks, branding: branding)
        tickets = RetrievalTickets()
        staticFiles = try StaticFiles()
        self.uploads = uploads
    }
}
