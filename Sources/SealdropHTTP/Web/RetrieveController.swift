import Foundation
import Hummingbird
import SealdropCore
import SealdropFormats
import SealdropServices

/// The recipient's pages: the link from the notification mail, the password, the files.
///
/// Routes (user listeners):
/// - `GET|HEAD /download?id=…[&password=…]` — the password form (filled in for mode NONE links); changes nothing.
///   For an expired or revoked transfer the page says so instead (410); an unknown id still gets the form
/// - `POST /download` — form `id`, `password`, `csrf`: checks the password (a wrong one counts towards
///   download protection), sets the `cs-ui-session` ticket and redirects to the files
/// - `GET /download/files?id=…` — files, sizes, the confidential message, the recipient's own status
/// - `GET /download/file?id=…&file=…`, `GET /download/zip?id=…` — the downloads (ticket required)
///
/// A mail scanner that opens the link (HEAD, prefetch, GET) sees the form and nothing else: without the
/// CSRF cookie it cannot post, without the ticket it cannot list or download.
///
/// Every page that meets an expired or revoked transfer shows that (the transfer id is the recipient's
/// secret, so its holder may know); unknown ids and other deletions stay the neutral "not found".
struct RetrieveController {
    let downloads: DownloadService
    let budget: AsyncBudget
    /// Where a streaming download finds how far its connection has written.
    let sendProgress: SendProgressRegistry
    let pages: WebPages
    let tickets: RetrievalTickets

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let web = router.group("download").add(middleware: WebErrorMiddleware(pages: pages))
        web.get(use: passwordPage)
        web.head(use: passwordPage)
        web.post(use: unlock)
        web.get("files", use: filesPage)
        web.get("file", use: file)
        web.get("zip", use: zip)
        StartController(pages: pages).addRoutes(to: router)
    }

    /// The form fields of a URL-encoded body (at most `limit` bytes, 16 KiB unless said otherwise).
    static func form(_ request: Request, limit: Int = 16 * 1024) async throws -> [String: String] {
        let buffer = try await WebBody.collect(request, upTo: limit)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return fields
    }

    static func transferId(_ raw: String?) throws -> TransferID {
        guard let raw, let id = TransferID(rawValue: raw) else { throw WebError.notFound }
        return id
    }

    @Sendable func passwordPage(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let id = q["id"].map(String.init) ?? ""
        if let transferId = TransferID(rawValue: id) { try await explainUnavailable(transferId) }
        return passwordForm(request, transferId: id, password: q["password"].map(String.init) ?? "", error: nil)
    }

    func passwordForm(_ request: Request, transferId: String, password: String, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = CSRF.token(for: request)
        let page = PasswordPage(transferId: transferId, password: password, csrf: csrf.token, prefilled: !password.isEmpty, error: error)
        return pages.render("retrieve-password", status: status, request: request, model: page, cookies: csrf.setCookie.map { [$0] } ?? [])
    }

    @Sendable func unlock(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fields = try await Self.form(request)
        guard CSRF.isValid(request, submitted: fields["csrf"]) else { throw WebError.staleForm }
        let id = fields["id"] ?? ""
        let transferId = try Self.transferId(id)
        let password = fields["password"] ?? ""
        let t = pages.strings[WebPages.language(of: request)] ?? [:]
        guard !password.isEmpty else {
            return passwordForm(request, transferId: id, password: "", error: t["errorPasswordMissing"], status: .badRequest)
        }
        do {
            _ = try await open(transferId, password: password)
        } catch let error as SealdropError where error.code == SealdropError.wrongPassword.code {
            return passwordForm(request, transferId: id, password: "", error: t["errorPasswordWrong"], status: .unauthorized)
        }
        var headers = HTTPFields()
        headers[.location] = "/download/files?id=\(transferId.rawValue)"
        headers[.setCookie] = WebCookies.make(RetrievalTickets.cookie, try tickets.seal(transferId: transferId, password: password), path: "/download")
        return Response(status: .seeOther, headers: headers)
    }

    /// The unlocked transfer for the request's ticket, or the password form's redirect.
    func access(_ request: Request) async throws -> DownloadAccess {
        let transferId = try Self.transferId(request.uri.queryParameters["id"].map(String.init))
        guard let password = tickets.password(for: transferId, in: request) else { throw WebError.needsPassword(transferId) }
        return try await open(transferId, password: password)
    }

    /// `DownloadService.open`, with a "not found" for an expired or revoked transfer turned into its own page.
    func open(_ transferId: TransferID, password: String) async throws -> DownloadAccess {
        do {
            return try await downloads.open(transferId, password: password)
        } catch let error as SealdropError where error.status == 404 {
            try await explainUnavailable(transferId)
            throw error
        }
    }

    /// Throws the page error for an expired or revoked transfer; returns for any other state.
    func explainUnavailable(_ transferId: TransferID) async throws {
        switch try await downloads.retrievalState(transferId) {
        case .expired(let date): throw WebError.transferExpired(on: date)
        case .revoked: throw WebError.transferRevoked
        case .available, .unavailable: return
        }
    }

    @Sendable func filesPage(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let access = try await access(request)
        let language = WebPages.language(of: request)
        let messageId = access.transfer.settings.confidentialMessageFileId
        let id = access.recipient.transferId.rawValue
        let retrieved = Set(try await downloads.downloads(of: access).filter { $0.method == .downloaded }.map(\.fileId))
        let senderName = DisplayText.singleLine(access.transfer.sender.name)
        let files = access.files.filter { $0.fileId != messageId }.map { f in
            FilesPage.File(name: DisplayText.singleLine(f.fileName), size: DisplayFormat.size(f.size, language: language),
                           href: "/download/file?id=\(id)&file=\(f.fileId.rawValue)", downloaded: retrieved.contains(f.fileId))
        }
        let subject = DisplayText.singleLine(access.transfer.settings.notificationMessage.subject)
        var page = FilesPage(
            transferId: id, trackingId: access.transfer.trackingId.rawValue, files: files, hasFiles: !files.isEmpty,
            fileCount: files.count, zipHref: "/download/zip?id=\(id)",
            totalSize: DisplayFormat.size(access.files.filter { $0.fileId != messageId }.reduce(0) { $0 + $1.size }, language: language),
            sender: senderName.isEmpty ? access.transfer.senderEmail.address : "\(senderName) <\(access.transfer.senderEmail.address)>",
            provided: DisplayFormat.date(access.transfer.finalizedAt ?? access.transfer.createdAt, language: language),
            expires: DisplayFormat.date(access.transfer.settings.expirationDate, language: language),
            subject: subject, hasSubject: !subject.isEmpty,
            showDownloadDetails: DetailsToggle.isOpen(request, cookie: DetailsToggle.download))
        if let messageId, let file = access.files.first(where: { $0.fileId == messageId }) {
            page.message = try confidentialText(access, file)
            page.hasMessage = true
            page.messageHref = "/download/file?id=\(id)&file=\(messageId.rawValue)"
            try? await downloads.recordDownload(access, fileIds: [messageId], method: .viewed)
        }
        return pages.render("retrieve-files", request: request, model: page)
    }

    /// The readable text of the confidential message file: the text body of an `.eml`, or the file itself.
    func confidentialText(_ access: DownloadAccess, _ file: FileRecord) throws -> String {
        guard file.size <= 1024 * 1024 else { return "" }
        var chunks = try downloads.reader(access, fileId: file.fileId).chunks()
        var bytes: [UInt8] = []
        while let chunk = try chunks.next() { bytes += chunk }
        return MessageText.readable(bytes)
    }

    @Sendable func file(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let access = try await access(request)
        guard let fileId = request.uri.queryParameters["file"].flatMap({ FileID(rawValue: String($0)) }),
              let record = access.files.first(where: { $0.fileId == fileId }) else { throw WebError.notFound }
        let reader = try downloads.reader(access, fileId: fileId)
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.contentDisposition] = ContentDisposition.attachment(filename: record.fileName)
        headers[.cacheControl] = "no-store"
        let downloads = self.downloads
        let budget = self.budget
        let progress = sendProgress.progress(for: context)
        let firstChunks = try reader.chunks()
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(reader.size)) { writer in
            var chunks = firstChunks
            try await chunks.stream(to: &writer, budget: budget, progress: progress)
            try await writer.finish(nil)
            try? await downloads.recordDownload(access, fileIds: [fileId])
        })
    }

    @Sendable func zip(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let access = try await access(request)
        let messageId = access.transfer.settings.confidentialMessageFileId
        let stream = try ZipStream(access: access, files: access.files.filter { $0.fileId != messageId }, includeChecksums: false,
                                   language: WebPages.language(of: request), downloads: downloads, budget: budget, progress: sendProgress.progress(for: context))
        return stream.response()
    }
}

/// Text of a confidential message for the page: the first text part of a MIME message, decoded, or the
/// bytes as UTF-8. Shown escaped, never as HTML.
enum MessageText {
    static func readable(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        guard let split = text.range(of: "\n\n") else { return text }
        let head = String(text[..<split.lowerBound])
        guard head.range(of: "content-type:", options: .caseInsensitive) != nil
                || head.range(of: "subject:", options: .caseInsensitive) != nil else { return text }
        let body = String(text[split.upperBound...])
        if let b = head.range(of: "boundary=", options: .caseInsensitive) {
            let boundary = head[b.upperBound...].prefix { !$0.isWhitespace && $0 != ";" }.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let parts = body.components(separatedBy: "--" + boundary).dropFirst().filter { !$0.hasPrefix("--") }
            let plain = parts.first { $0.range(of: "content-type: text/plain", options: .caseInsensitive) != nil } ?? parts.first
            return plain.map { readable(Array($0.drop { $0 == "\n" }.utf8)) } ?? ""
        }
        var decoded = body
        if head.range(of: "content-transfer-encoding: base64", options: .caseInsensitive) != nil,
           let data = Data(base64Encoded: body.filter { !$0.isWhitespace }) {
            decoded = String(decoding: data, as: UTF8.self)
        } else if head.range(of: "content-transfer-encoding: quoted-printable", options: .caseInsensitive) != nil {
            decoded = quotedPrintable(body)
        }
        return decoded.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func quotedPrintable(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.replacingOccurrences(of: "=\n", with: "").utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.count,
               let v = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
