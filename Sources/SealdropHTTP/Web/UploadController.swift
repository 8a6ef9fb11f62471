import Foundation
import HTTPTypes
import Hummingbird
import SealdropCore
import SealdropServices

/// The sender's upload page and the small JSON API its script uses for resumable, chunked uploads.
///
/// Routes (user listeners; the active verified identity of the browser is the sender, authenticated by
/// `WebSenderMiddleware` before each handler, which gets it in its `VerifiedSenderContext`):
/// - `GET /upload[?from=&to=&cc=&bcc=&notificationSubject=]` — the page, prefilled (Cc/Bcc open when prefilled or
///   remembered in the `show_cc`/`show_bcc` cookies); `/upload/done?trackingId=` — the summary
/// - `POST /upload/api/session` `{to, cc, bcc}` → `{trackingId}`
/// - `POST /upload/api/files` `{trackingId, name, size}` → `{fileId}`
/// - `GET /upload/api/files/{fileId}?trackingId=` → `{received, size, complete}` (also after a restart: see `ChunkedUploads`)
/// - `PUT /upload/api/files/{fileId}?trackingId=&offset=` — one chunk (≤ 16 MiB); 409 `{received}` if the offset is not where the file stands
/// - `DELETE /upload/api/files/{fileId}?trackingId=` — cancel and remove the file
/// - `POST /upload/api/password` `{password}` → rules not met; `GET /upload/api/password` → a generated password
/// - `POST /upload/api/send` `{trackingId, subject, message, confidentialMessage, passwordMode, password, expirationDate, …}`
///
/// Every API call carries the CSRF token in `X-CSRF-Token` and JSON bodies as `application/json`, which a
/// cross-site form cannot send.
struct UploadController {
    let sessions: TransferSessionService
    let uploads: UploadService
    let chunks: ChunkedUploads
    let finalizing: FinalizeService
    let sentTransfers: SentTransferService
    let settings: SettingsStore
    let pages: WebPages
    let senders: SenderController

    static let maxChunk = 16 * 1024 * 1024

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let page = router.group("upload").add(middleware: WebErrorMiddleware(pages: pages))
        page.verifiedSender(senders) { request in
            // `from` names an identity this browser must hold; otherwise it is verified first (no token is checked).
            let here = SenderController.safeNext(request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""))
            if let from = request.uri.queryParameters["from"].flatMap({ EmailAddress(String($0)) }),
               !SenderIdentities(request).identities.contains(where: { $0.email == from }) { throw WebError.needsIdentity(next: here) }
            return here
        }.get(use: uploadPage)
        page.verifiedSender(senders) { request in
            guard let trackingId = request.uri.queryParameters["trackingId"].flatMap({ TrackingID(rawValue: String($0)) }) else { throw WebError.notFound }
            return "/upload/done?trackingId=\(trackingId.rawValue)"
        }.get("done", use: donePage)
        let api = router.group("upload/api").add(middleware: WebJSONErrorMiddleware(pages: pages)).verifiedSender(senders) { request in
            // Every API call carries the page's CSRF token, checked before the identity.
            guard CSRF.isValid(request, submitted: request.headers[HTTPField.Name("X-CSRF-Token")!]) else { throw WebError.staleForm }
            return "/upload"
        }
        api.post("session", use: createSession)
        api.get("session", use: sessionState)
        api.post("files", use: registerFile)
        api.get("files/:fileId", use: fileProgress)
        api.put("files/:fileId", use: chunk)
        api.delete("files/:fileId", use: deleteFile)
        api.post("password", use: checkPassword)
        api.get("password", use: generatePassword)
        api.post("send", use: send)
    }

    // MARK: - Pages

    @Sendable func uploadPage(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let q = request.uri.queryParameters
        let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let ids = SenderIdentities(request)
        // `from` picks that identity; an address not yet verified in this browser is verified first.
        var cookies: [String] = []
        var active = ids.active
        if let from = q["from"].flatMap({ EmailAddress(String($0)) }) {
            guard let chosen = ids.identities.first(where: { $0.email == from }) else { throw WebError.needsIdentity(next: SenderController.safeNext(here)) }
            active = chosen
            cookies.append(WebCookies.make("active_user", "\(chosen.index)", maxAge: 365 * 86400))
        }
        guard let sender = active else { throw WebError.needsIdentity(next: SenderController.safeNext(here)) }
        let s = settings.current
        let csrf = CSRF.token(for: request)
        let maxDate = Date().addingTimeInterval(TimeInterval(s.policy.maxRetentionDays) * 86400)
        func list(_ key: String) -> String { q.getAll(key).joined(separator: ", ") }
        let showCc = Self.showsField(request, cookie: "show_cc", prefilled: !list("cc").isEmpty)
        let showBcc = Self.showsField(request, cookie: "show_bcc", prefilled: !list("bcc").isEmpty)
        let modes = s.policy.allowedPasswordModes.map { mode in
            UploadPage.Mode(value: mode.rawValue, label: pages.strings[WebPages.language(of: request)]?["mode_\(mode.rawValue)"] ?? mode.rawValue,
                            checked: mode == s.policy.allowedPasswordModes.first)
        }
        let page = UploadPage(
            csrf: csrf.token, senderEmail: sender.email.address, senderName: sender.name,
            to: list("to"), cc: list("cc"), bcc: list("bcc"), subject: q["notificationSubject"].map(String.init) ?? "",
            showCc: showCc, showBcc: showBcc, ccExpanded: "\(showCc)", bccExpanded: "\(showBcc)",
            maxDate: Self.day(maxDate), minDate: Self.day(Date().addingTimeInterval(86400)),
            defaultDate: Self.day(maxDate), modes: modes, maxTotalSize: s.policy.maxTotalSize,
            showFileNames: s.policy.showFileNamesDefault, showFileNamesChangeable: s.policy.showFileNamesChangeable,
            downloadNotifications: s.policy.sendDownloadNotificationsDefault, messageAllowed: s.policy.confidentialMessageAllowed,
            subjectEditable: s.policy.recipientNotificationEditable,
            showUploadDetails: DetailsToggle.isOpen(request, cookie: DetailsToggle.upload))
        return pages.render("upload", request: request, model: page, cookies: cookies + (csrf.setCookie.map { [$0] } ?? []))
    }

    /// `date` as the date input writes it, `yyyy-MM-dd` in UTC.
    static func day(_ date: Date) -> String {
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        return day.string(from: date)
    }

    /// Whether the Cc or Bcc field is rendered open: when the link prefills it, or when the browser's
    /// `show_cc`/`show_bcc` cookie says `true`.
    ///
    /// The page's script writes those cookies when the sender opens or removes a field (not HttpOnly,
    /// `Path=/; Secure; SameSite=Strict`, one year); the server only reads them, and a missing or other
    /// value means closed. Without the script the fields are always shown (`noscript.css`).
    static func showsField(_ request: Request, cookie: String, prefilled: Bool) -> Bool {
        prefilled || request.cookies[cookie]?.value == "true"
    }

    @Sendable func donePage(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        guard let trackingId = request.uri.queryParameters["trackingId"].flatMap({ TrackingID(rawValue: String($0)) }) else { throw WebError.notFound }
        let d = try await sentTransfers.transferDetails(trackingId, by: context.sender)
        let language = WebPages.language(of: request)
        return pages.render("upload-done", request: request, model: DonePage(
            trackingId: trackingId.rawValue, statusHref: "/status?trackingId=\(trackingId.rawValue)",
            recipients: d.recipients.map { DonePage.Recipient(email: $0.email.address) },
            files: d.files.filter { $0.fileId != d.transfer.settings.confidentialMessageFileId }
                .map { DonePage.File(name: DisplayText.singleLine($0.fileName), size: DisplayFormat.size($0.size, language: language)) },
            expires: DisplayFormat.date(d.transfer.settings.expirationDate, language: language)))
    }

    // MARK: - JSON API

    static func json<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        guard request.headers[.contentType]?.hasPrefix("application/json") == true else { throw SealdropError.malformed("JSON expected") }
        let buffer = try await WebBody.collect(request, upTo: 256 * 1024)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw SealdropError.malformed("The request body is not valid")
        }
    }

    /// An answer of the upload page's API: keys sorted, as its script has always received them.
    static func reply(_ body: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse(body: body, status: status).response
    }

    static func addresses(_ list: [String]?) throws -> [EmailAddress] {
        try (list ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            guard let a = EmailAddress($0) else { throw WebInputError(key: "errorRecipientInvalid", detail: $0) }
            return a
        }
    }

    struct SessionBody: Decodable { var to: [String]?; var cc: [String]?; var bcc: [String]? }

    @Sendable func createSession(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let body = try await Self.json(SessionBody.self, request)
        let recipients = RecipientList(to: try Self.addresses(body.to), cc: try Self.addresses(body.cc), bcc: try Self.addresses(body.bcc))
        guard !recipients.isEmpty else { throw WebInputError(key: "errorNoRecipients", detail: nil) }
        let ids = SenderIdentities(request)
        let contact = SenderContact(name: ids.active?.name ?? "", phone: ids.active?.phone ?? "")
        // The policy first, so the page can name who is refused instead of a bare "not allowed".
        let verdict = await sessions.policy.explain(sender: sender.email, recipients: recipients.all.map(\.address), clientIP: context.clientIP)
        guard verdict.senderAllowed else { throw WebInputError(key: verdict.directoryProblem == nil ? "errorSenderRefused" : "errorDirectoryUnavailable", detail: nil) }
        guard verdict.failedRecipients.isEmpty else {
            throw WebInputError(key: verdict.directoryProblem == nil ? "errorRecipientsRefused" : "errorDirectoryUnavailable",
                                detail: verdict.failedRecipients.map(\.address).joined(separator: ", "))
        }
        let trackingId = try await sessions.createSession(by: sender, contact: contact, recipients: recipients,
                                                           language: pages.pageLanguage(of: request), clientIP: context.clientIP)
        let p = verdict.settings
        let maxDate = Self.day(Date().addingTimeInterval(TimeInterval(p.maxRetentionDays) * 86400))
        let language = WebPages.language(of: request)
        let t = pages.texts(pages.pageLanguage(of: request))
        let limits = (t["effectiveLimits"] ?? "Up to %size in total, available until %date at the latest.")
            .replacingOccurrences(of: "%size", with: DisplayFormat.size(p.maxTotalSize, language: language))
            .replacingOccurrences(of: "%date", with: maxDate)
        return Self.reply(SessionCreated(trackingId: trackingId.rawValue, maxTotalSize: p.maxTotalSize, maxDate: maxDate, limits: limits),
                          status: .created)
    }

    /// The session's files with their progress, so a reloaded page can resume them.
    @Sendable func sessionState(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        guard let trackingId = request.uri.queryParameters["trackingId"].flatMap({ TrackingID(rawValue: String($0)) }) else { throw WebError.notFound }
        let view = try await sessions.session(trackingId, by: sender)
        // One session read for all files (not one per file through `chunks.progress`); after a restart each
        // unfinished file is restored from its temporary blob, so `received` is where it can continue.
        var files: [SessionState.File] = []
        for file in view.files {
            let p = try await chunks.progress(of: file, by: sender)
            files.append(SessionState.File(fileId: file.fileId.rawValue, name: DisplayText.singleLine(file.fileName), size: file.size,
                                           received: p.received, complete: p.complete))
        }
        let r = view.transfer.recipients
        return Self.reply(SessionState(trackingId: trackingId.rawValue, files: files,
                                       to: r.to.map(\.address), cc: r.cc.map(\.address), bcc: r.bcc.map(\.address)))
    }

    struct FileBody: Decodable { var trackingId: String; var name: String; var size: Int64 }

    @Sendable func registerFile(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let body = try await Self.json(FileBody.self, request)
        guard let trackingId = TrackingID(rawValue: body.trackingId) else { throw WebError.notFound }
        let fileId = try await sessions.registerFile(trackingId, by: sender, name: body.name, size: body.size, checksum: nil)
        return Self.reply(FileRegistered(fileId: fileId.rawValue), status: .created)
    }

    func ids(_ request: Request, _ context: VerifiedSenderContext) throws -> (TrackingID, FileID) {
        guard let trackingId = request.uri.queryParameters["trackingId"].flatMap({ TrackingID(rawValue: String($0)) }),
              let fileId = context.parameters.get("fileId").flatMap({ FileID(rawValue: $0) }) else { throw WebError.notFound }
        return (trackingId, fileId)
    }

    static func progress(_ p: ChunkedUploads.Progress) -> Progress {
        Progress(received: p.received, size: p.size, complete: p.complete)
    }

    @Sendable func fileProgress(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let (trackingId, fileId) = try ids(request, context)
        return Self.reply(Self.progress(try await chunks.progress(trackingId, fileId: fileId, by: sender)))
    }

    @Sendable func chunk(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let (trackingId, fileId) = try ids(request, context)
        guard let offset = request.uri.queryParameters["offset"].flatMap({ Int64(String($0)) }), offset >= 0 else {
            throw SealdropError.malformed("offset is required")
        }
        do {
            let progress = try await chunks.receive(trackingId, fileId: fileId, offset: offset, by: sender) { upload in
                do {
                    try await upload.write(contentsOf: request.body, limit: (Self.maxChunk, SealdropError.malformed("A chunk may hold at most 16 MiB")))
                } catch let error as SealdropError {
                    throw error
                } catch {
                    // The connection broke off mid-chunk: the upload goes back to the chunk's start.
                    throw WebInputError(key: "errorUploadInterrupted", detail: nil)
                }
            }
            context.logger.info("upload.chunk", metadata: ["file.ref": "\(fileId.logRef)", "offset": "\(offset)", "received": "\(progress.received)"])
            return Self.reply(Self.progress(progress))
        } catch let mismatch as ChunkedUploads.OffsetMismatch {
            return Self.reply(OffsetConflict(received: mismatch.received), status: .conflict)
        }
    }

    @Sendable func deleteFile(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let (trackingId, fileId) = try ids(request, context)
        // `cancel` authorizes first: another sender's file is neither cancelled nor deleted (404).
        try await chunks.cancel(trackingId, fileId: fileId, by: sender)
        try await sessions.deleteFile(trackingId, fileId: fileId, by: sender)
        return Self.reply(EmptyJSON())
    }

    struct PasswordBody: Decodable { var password: String }

    @Sendable func checkPassword(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let body = try await Self.json(PasswordBody.self, request)
        let t = pages.strings[WebPages.language(of: request)] ?? [:]
        let failed = settings.current.password.validate(body.password).map { rule in
            var text = t["rule_\(rule.name.rawValue)"] ?? rule.name.rawValue
            for (key, value) in rule.details {
                let shown: String
                switch value {
                case .int(let n): shown = "\(n)"
                case .string(let s): shown = s
                }
                text = text.replacingOccurrences(of: "{\(key)}", with: shown)
            }
            return PasswordCheck.Rule(name: rule.name.rawValue, text: text)
        }
        return Self.reply(PasswordCheck(ok: failed.isEmpty, failed: failed))
    }

    @Sendable func generatePassword(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        return Self.reply(GeneratedPassword(password: try PasswordGenerator().generate(policy: settings.current.password)))
    }

    struct SendBody: Decodable {
        var trackingId: String
        var subject: String?
        var message: String?
        var confidentialMessage: String?
        var passwordMode: String
        var password: String?
        var expirationDate: String?
        var sendDownloadNotifications: Bool?
        var showFileNames: Bool?
    }

    @Sendable func send(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let body = try await Self.json(SendBody.self, request)
        guard let trackingId = TrackingID(rawValue: body.trackingId) else { throw WebError.notFound }
        guard let mode = PasswordMode(rawValue: body.passwordMode) else { throw SealdropError.malformed("Unknown password mode") }
        var patch = SessionPatch()
        patch.passwordMode = mode
        if mode != .none, let password = body.password, !password.isEmpty { patch.password = password }
        if mode == .manual, patch.password == nil { throw WebInputError(key: "errorPasswordMissing", detail: nil) }
        if let subject = body.subject, let message = body.message { patch.notificationMessage = NotificationMessage(subject: subject, body: message) }
        if let text = body.expirationDate, !text.isEmpty {
            guard let date = APIDate.parse(text + "T23:59:59Z") else { throw WebInputError(key: "errorDateInvalid", detail: text) }
            // The last allowed day ends when the retention period does, not at midnight after it.
            let maxDays = try await sessions.effectivePolicy(trackingId, by: sender).maxRetentionDays
            let latest = Date().addingTimeInterval(TimeInterval(maxDays) * 86400 - 60)
            patch.expirationDate = min(date, latest)
        }
        patch.sendDownloadNotifications = body.sendDownloadNotifications
        patch.showFileNames = body.showFileNames
        if let text = body.confidentialMessage?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            patch.confidentialMessageFileId = .some(try await storeMessage(text, subject: body.subject ?? "", trackingId: trackingId, by: sender))
        }
        _ = try await sessions.patch(trackingId, by: sender, with: patch)
        try await finalizing.finalize(trackingId, by: sender)
        return Self.reply(Sent(trackingId: trackingId.rawValue, done: "/upload/done?trackingId=\(trackingId.rawValue)"))
    }

    /// Stores the confidential message as a small `.eml` file of the transfer and returns its id.
    func storeMessage(_ text: String, subject: String, trackingId: TrackingID, by sender: VerifiedSender) async throws -> FileID {
        let eml = Array(("Subject: \(MailMessageBuilder.headerText(subject))\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").utf8)
        guard eml.count <= 1024 * 1024 else { throw WebInputError(key: "errorMessageTooLong", detail: nil) }
        let fileId = try await sessions.registerFile(trackingId, by: sender, name: "message.eml", size: Int64(eml.count), checksum: nil)
        let upload = try await uploads.beginUpload(trackingId, fileId: fileId, by: sender)
        try eml.withUnsafeBytes { try upload.write($0) }
        try await upload.finish()
        return fileId
    }
}

/// Bad input the upload page shows next to the field: a UI string key and the offending value.
struct WebInputError: Error {
    var key: String
    var detail: String?
}

/// Maps errors of the upload page's JSON API to `{error, message}` with the right status, in one place.
struct WebJSONErrorMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    let pages: WebPages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let t = pages.strings[WebPages.language(of: request)] ?? [:]
        do {
            return try await next(request, context)
        } catch let e as WebInputError {
            return UploadController.reply(UploadController.Failure(error: e.key, message: (t[e.key] ?? "") + (e.detail.map { ": \($0)" } ?? "")),
                                          status: .badRequest)
        } catch WebError.needsIdentity {
            return UploadController.reply(UploadController.Failure(error: "errorNeedsIdentity", message: t["errorNeedsIdentity"] ?? ""), status: .unauthorized)
        } catch let e as SealdropError where (400..<500).contains(e.status) {
            // Service messages are written for people and never carry secrets; shown as they are.
            return UploadController.reply(UploadController.Failure(error: "\(e.code)", message: e.message), status: HTTPResponse.Status(code: e.status))
        } catch {
            let (status, key) = WebErrorMiddleware.page(for: error)
            if status == .internalServerError { context.logger.error("web.api.error", metadata: ["error.type": "\(type(of: error))"]) }
            return UploadController.reply(UploadController.Failure(error: key, message: t[key] ?? ""), status: status)
        }
    }
}
