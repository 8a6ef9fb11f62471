import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The sender's pages: verified identities (by mailed code) and the transfer status with revocation.
///
/// Routes (user listeners; every POST needs the CSRF token):
/// - `GET /sender` — the browser's identities, switch, edit name and phone, remove; add one by email
/// - `POST /sender/verify` — contact details: mails a code and shows the code form
/// - `POST /sender/verify/code` — the code: stores the identity's cookies, makes it active, goes to `next`
/// - `POST /sender/active`, `POST /sender/identity`, `POST /sender/remove` — switch, edit, remove (the token is revoked on the server)
/// - `GET /status?trackingId=…` — the active identity's transfer: recipients, downloads, expiry
/// - `POST /status/revoke` — revokes it (recipients and sender are mailed as chosen)
/// - `GET /terms`, `GET /imprint` — the terms of use and the imprint (a `link` text redirects to it)
struct SenderController {
    let verification: VerificationService
    let transfers: SentTransferService
    let settings: SettingsStore
    let pages: WebPages

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let sender = router.group("sender").add(middleware: WebErrorMiddleware(pages: pages))
        sender.get(use: identitiesPage)
        sender.post("verify", use: startVerification)
        sender.post("verify/code", use: finishVerification)
        sender.post("active", use: switchIdentity)
        sender.post("identity", use: editIdentity)
        sender.post("remove", use: removeIdentity)
        sender.post("terms", use: acceptTerms)
        router.group("terms").add(middleware: WebErrorMiddleware(pages: pages)).get(use: termsPage)
        router.group("imprint").add(middleware: WebErrorMiddleware(pages: pages)).get(use: imprintPage)
        let status = router.group("status").add(middleware: WebErrorMiddleware(pages: pages))
        status.verifiedSender(self) { request in
            Self.statusPath(try Self.trackingId(request.uri.queryParameters["trackingId"].map(String.init)))
        }.get(use: statusPage)
        status.verifiedSender(self) { request in
            // The form is read (and its CSRF token checked) before the identity, as the page always did.
            try await WebBody.keep(&request, upTo: 16 * 1024)  // the limit of `RetrieveController.form`
            let fields = try await Self.checkedForm(request)
            return Self.statusPath(try Self.trackingId(fields["trackingId"]))
        }.post("revoke", use: revoke)
    }

    /// A local path to continue at after verification; anything else becomes `/sender`.
    static func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"), raw.count < 2000,
              raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return "/sender" }
        return raw
    }

    func strings(_ request: Request) -> [String: String] { pages.strings[WebPages.language(of: request)] ?? [:] }

    /// A form field as one clean line of at most `length` characters (names and phones are lines of mails).
    static func line(_ value: String?, _ length: Int) -> String {
        String(DisplayText.singleLine(value ?? "").prefix(length))
    }

    /// Reads a form and checks its CSRF token.
    static func checkedForm(_ request: Request) async throws -> [String: String] {
        let fields = try await RetrieveController.form(request)
        guard CSRF.isValid(request, submitted: fields["csrf"]) else { throw WebError.staleForm }
        return fields
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        if !cookies.isEmpty { headers[values: .setCookie] = cookies }
        return Response(status: .seeOther, headers: headers)
    }

    // MARK: - Terms of use

    static let termsCookie = "terms_of_use"
    static let termsLifetime = 30 * 86400

    /// Whether the browser must (still) accept the terms: they are active and its `terms_of_use` cookie
    /// is missing, older than 30 days or older than the last change of the terms.
    func needsTerms(_ request: Request) -> Bool {
        let legal = settings.current.legal
        guard legal.termsActive else { return false }
        guard let accepted = request.cookies[Self.termsCookie].flatMap({ TimeInterval($0.value) }) else { return true }
        let now = Date().timeIntervalSince1970
        return accepted > now + 60 || now - accepted > TimeInterval(Self.termsLifetime)
            || accepted < (legal.termsLastChange?.timeIntervalSince1970 ?? 0)
    }

    static func acceptedTermsCookie() -> String {
        WebCookies.make(termsCookie, "\(Int(Date().timeIntervalSince1970))", maxAge: termsLifetime)
    }

    @Sendable func termsPage(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let legal = settings.current.legal
        let language = WebPages.language(of: request)
        guard let text = legal.terms.first(where: { $0.locale.lowercased().hasPrefix(language) }) ?? legal.terms.first else { throw WebError.notFound }
        if text.type == "link", let url = URL(string: text.content), ["https", "http"].contains(url.scheme?.lowercased() ?? "") {
            return Self.redirect(text.content)
        }
        // The operator's own HTML (from the admin settings); the page's CSP still forbids any script in it.
        return pages.render("terms", request: request, model: LegalPage(title: text.title, html: text.content))
    }

    /// The operator's imprint, linked from every page's footer; a `link` imprint redirects to it.
    @Sendable func imprintPage(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let text = settings.current.legal.imprint
        guard !text.content.isEmpty else { throw WebError.notFound }
        if text.type == "link", let url = URL(string: text.content), ["https", "http"].contains(url.scheme?.lowercased() ?? "") {
            return Self.redirect(text.content)
        }
        return pages.render("terms", request: request, model: LegalPage(title: text.title, html: text.content))
    }

    @Sendable func acceptTerms(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fields = try await Self.checkedForm(request)
        guard fields["acceptTerms"] == "on" else {
            return identities(request, next: Self.safeNext(fields["next"]), problem: IdentityProblem(termsError: strings(request)["errorTermsRequired"] ?? ""),
                              status: .badRequest)
        }
        return Self.redirect(Self.safeNext(fields["next"]), cookies: [Self.acceptedTermsCookie()])
    }

    // MARK: - Identities

    @Sendable func identitiesPage(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        identities(request, next: Self.safeNext(request.uri.queryParameters["next"].map(String.init)), problem: IdentityProblem())
    }

    func identities(_ request: Request, next: String, problem: IdentityProblem, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        let ids = SenderIdentities(request)
        let csrf = CSRF.token(for: request)
        let client = SenderIdentities.clientId(for: request)
        let page = IdentitiesPage(
            csrf: csrf.token, next: next, hasIdentities: !ids.identities.isEmpty, needsTerms: needsTerms(request),
            identities: ids.identities.map { i in
                IdentitiesPage.Identity(index: i.index, email: i.email.address, name: i.name, phone: i.phone, active: i.index == ids.activeIndex)
            },
            termsError: problem.termsError, error: problem.error, email: problem.email, name: problem.name, phone: problem.phone)
        return pages.render("sender-identities", status: status, request: request, model: page,
                            cookies: cookies + [csrf.setCookie, client.setCookie].compactMap { $0 })
    }

    @Sendable func startVerification(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fields = try await Self.checkedForm(request)
        let next = Self.safeNext(fields["next"])
        let t = strings(request)
        let name = Self.line(fields["name"], 200), phone = Self.line(fields["phone"], 50)
        guard let email = EmailAddress((fields["email"] ?? "").trimmingCharacters(in: .whitespaces)) else {
            return identities(request, next: next, problem: IdentityProblem(error: t["errorEmailInvalid"] ?? "", email: fields["email"] ?? "",
                                                                         name: name, phone: phone), status: .badRequest)
        }
        var cookies: [String] = []
        if needsTerms(request) {
            guard fields["acceptTerms"] == "on" else {
                return identities(request, next: next, problem: IdentityProblem(termsError: t["errorTermsRequired"] ?? "", email: email.address,
                                                                             name: name, phone: phone), status: .badRequest)
            }
            cookies.append(Self.acceptedTermsCookie())
        }
        let client = SenderIdentities.clientId(for: request)
        try await verification.requestCode(email: email, clientId: client.id, clientIP: context.clientIP, language: pages.pageLanguage(of: request))
        cookies += client.setCookie.map { [$0] } ?? []
        return codeForm(request, email: email, name: name, phone: phone, next: next, error: nil, cookies: cookies)
    }

    func codeForm(_ request: Request, email: EmailAddress, name: String, phone: String, next: String, error: String?,
                  status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        let csrf = CSRF.token(for: request)
        let page = CodePage(csrf: csrf.token, email: email.address, name: name, phone: phone, next: next, error: error)
        return pages.render("sender-code", status: status, request: request, model: page, cookies: cookies + (csrf.setCookie.map { [$0] } ?? []))
    }

    @Sendable func finishVerification(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fields = try await Self.checkedForm(request)
        let next = Self.safeNext(fields["next"])
        let name = Self.line(fields["name"], 200), phone = Self.line(fields["phone"], 50)
        guard let email = EmailAddress(fields["email"] ?? ""), let clientId = request.cookies[SenderIdentities.clientIdCookie]?.value else {
            throw WebError.staleForm
        }
        let code = (fields["code"] ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        let grant: VerificationService.Grant
        do {
            grant = try await verification.redeem(email: email, clientId: clientId, code: code)
        } catch let error as SealdropError where error.status == 403 || error.status == 400 {
            return codeForm(request, email: email, name: name, phone: phone, next: next, error: strings(request)["errorCodeWrong"], status: .forbidden)
        }
        let ids = SenderIdentities(request)
        let identity = SenderIdentities.Identity(index: ids.index(for: email), email: email, name: name, phone: phone, token: grant.token)
        let maxAge = grant.validUntil.map { max(60, Int($0.timeIntervalSinceNow)) } ?? 365 * 86400
        return Self.redirect(next, cookies: SenderIdentities.store(identity, maxAge: maxAge))
    }

    /// The identity a form names by `index`, if the browser holds it.
    func identity(_ fields: [String: String], in request: Request) throws -> SenderIdentities.Identity {
        guard let index = fields["index"].flatMap(Int.init), let identity = SenderIdentities(request).identities.first(where: { $0.index == index }) else {
            throw WebError.notFound
        }
        return identity
    }

    @Sendable func switchIdentity(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fields = try await Self.checkedForm(request)
        let identity = try identity(fields, in: request)
        return Self.redirect(Self.safeNext(fields["next"]), cookies: [WebCookies.make("active_user", "\(identity.index)", maxAge: 365 * 86400)])
    }

    @Sendable func editIdentity(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fields = try await Self.checkedForm(request)
        let identity = try identity(fields, in: request)
        let cookies = [
            WebCookies.make("sender_name\(identity.index)", SenderIdentities.cookieText(fields["name"] ?? ""), maxAge: 365 * 86400),
            WebCookies.make("sender_phone\(identity.index)", SenderIdentities.cookieText(String((fields["phone"] ?? "").prefix(50))), maxAge: 365 * 86400),
        ]
        return Self.redirect("/sender", cookies: cookies)
    }

    @Sendable func removeIdentity(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fields = try await Self.checkedForm(request)
        let identity = try identity(fields, in: request)
        // Removed means removed: the token stops working for the REST API and every other browser tab too.
        if let clientId = SenderIdentities(request).clientId {
            try await verification.revoke(email: identity.email, clientId: clientId, token: identity.token)
        }
        return Self.redirect("/sender", cookies: SenderIdentities.remove(identity.index))
    }

    // MARK: - Status and revocation

    /// The active identity as a verified sender, or a redirect to verification that comes back to `next`; the one
    /// authentication of the web app, run by `WebSenderMiddleware` before the handlers of the sender's pages.
    func sender(_ request: Request, next: String) async throws -> VerifiedSender {
        let ids = SenderIdentities(request)
        guard let active = ids.active, let clientId = ids.clientId, !needsTerms(request) else { throw WebError.needsIdentity(next: next) }
        do {
            return try await verification.authenticate(email: active.email, clientId: clientId, token: active.token)
        } catch let error as SealdropError where error.status == 401 || error.status == 403 {
            throw WebError.needsIdentity(next: next)
        }
    }

    /// The status page of a transfer, to come back to after verification.
    static func statusPath(_ trackingId: TrackingID) -> String { "/status?trackingId=\(trackingId.rawValue)" }

    static func trackingId(_ raw: String?) throws -> TrackingID {
        guard let raw, let id = TrackingID(rawValue: raw) else { throw WebError.notFound }
        return id
    }

    @Sendable func statusPage(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let trackingId = try Self.trackingId(request.uri.queryParameters["trackingId"].map(String.init))
        let sender = context.sender
        return try await status(request, details: try await transfers.transferDetails(trackingId, by: sender), notice: nil)
    }

    func status(_ request: Request, details d: TransferDetails, notice: String?) async throws -> Response {
        let language = WebPages.language(of: request)
        let t = strings(request)
        let names = Dictionary(uniqueKeysWithValues: d.files.map { ($0.fileId, DisplayText.singleLine($0.fileName)) })
        let recipients = d.recipients.map { r in
            let mine = d.downloads.filter { $0.transferId == r.transferId }
            let files = Set(mine.map(\.fileId)).compactMap { names[$0] }.sorted()
            return StatusPage.Recipient(email: r.email.address, kind: r.kind.rawValue.capitalized, downloaded: !mine.isEmpty,
                                        files: files.joined(separator: ", "), count: mine.count, failed: r.notificationFailed)
        }
        let csrf = CSRF.token(for: request)
        let page = StatusPage(
            trackingId: d.transfer.trackingId.rawValue, recipients: recipients, active: d.transfer.state == .active, csrf: csrf.token,
            state: t["state_\(d.transfer.state.rawValue)"] ?? d.transfer.state.rawValue,
            expires: DisplayFormat.date(d.transfer.settings.expirationDate, language: language),
            files: d.files.map { StatusPage.File(name: DisplayText.singleLine($0.fileName), size: DisplayFormat.size($0.size, language: language)) },
            notice: notice)
        return pages.render("sender-status", request: request, model: page, cookies: csrf.setCookie.map { [$0] } ?? [])
    }

    @Sendable func revoke(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let fields = try await Self.checkedForm(request)
        let trackingId = try Self.trackingId(fields["trackingId"])
        let sender = context.sender
        let message = String((fields["message"] ?? "").prefix(2000))
        let options = RevocationOptions(notifySender: fields["notifySender"] == "on", notifyRecipients: fields["notifyRecipients"] == "on",
                                        message: message.isEmpty ? nil : message)
        let details = try await transfers.revoke(trackingId, by: sender, options: options)
        return try await status(request, details: details, notice: strings(request)["revokedNotice"])
    }
}
