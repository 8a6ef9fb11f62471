import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Login, logout, re-authentication, the status page and the QUICK page.
struct AdminSessionController: Sendable {
    let surface: AdminSurface

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.get("/") { _, _ in AdminSurface.redirect("/admin") }
        router.get("login", use: loginPage)
        router.post("login", use: login)
        let signedIn = router.signedIn()
        let forms = router.signedIn(first: .formPost)
        forms.post("logout", use: logout)
        signedIn.get("admin", use: status)
        signedIn.get("admin/reauth", use: reauthPage)
        forms.post("admin/reauth", use: reauth)
        signedIn.get("admin/quick", use: quick)
    }

    @Sendable func loginPage(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        if let admin = context.admin { return AdminSurface.redirect(AdminSurface.home(for: admin.role)) }
        let csrf = CSRF.token(for: request)
        let page = LoginPage(next: AdminSurface.safeNext(request.uri.queryParameters["next"].map(String.init)), loginCsrf: csrf.token)
        return surface.render("login", request, nil, page, cookies: csrf.setCookie.map { [$0] } ?? [])
    }

    @Sendable func login(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let next = AdminSurface.safeNext(form["next"])
        guard CSRF.isValid(request, submitted: form["csrf"]) else { throw AdminError.staleForm }
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            let result = try await surface.accounts.login(name: name, password: form["password"] ?? "", from: context.clientIP)
            let target = next == "/admin" ? AdminSurface.home(for: result.account.role) : next
            return AdminSurface.redirect(target, cookies: [WebCookies.make(AdminAuthMiddleware.cookie, result.cookie)])
        } catch let error as AdminError {
            let described = AdminErrorDescription(error)
            let status = described.status
            let message = described.message(surface.strings(language: WebPages.language(of: request)))
            let csrf = CSRF.token(for: request)
            return surface.render("login", request, nil, status: status, LoginPage(next: next, loginCsrf: csrf.token, name: name, error: message))
        }
    }

    @Sendable func logout(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = context.principal
        if let session = admin.session {
            guard let token = form["csrf"], ConstantTime.equal(token, session.csrfToken) else { throw AdminError.staleForm }
        }
        if let cookie = admin.cookie { try await surface.accounts.logout(cookie: cookie) }
        return AdminSurface.redirect("/login?notice=signedOut", cookies: [WebCookies.delete(AdminAuthMiddleware.cookie)])
    }

    @Sendable func reauthPage(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = context.principal
        return surface.render("reauth", request, admin, ReauthPage(next: AdminSurface.safeNext(request.uri.queryParameters["next"].map(String.init))))
    }

    @Sendable func reauth(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = context.principal
        guard let session = admin.session, let token = form["csrf"], ConstantTime.equal(token, session.csrfToken) else { throw AdminError.staleForm }
        let next = AdminSurface.safeNext(form["next"])
        do {
            _ = try await surface.accounts.reauthenticate(session, password: form["password"] ?? "", from: context.clientIP)
            return AdminSurface.redirect(next)
        } catch let error as AdminError {
            if case .accountLocked = error, let cookie = admin.cookie { try await surface.accounts.logout(cookie: cookie) }
            let described = AdminErrorDescription(error)
            let status = described.status
            let message = described.message(surface.strings(language: WebPages.language(of: request)))
            return surface.render("reauth", request, admin, status: status, ReauthPage(next: next, error: message))
        }
    }

    @Sendable func status(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = context.principal
        guard admin.role.allows(.viewStatus) else { return AdminSurface.redirect(AdminSurface.home(for: admin.role)) }
        let report = try await StatusReport.collect(surface)
        var page = report.page
        page.logLines = surface.logLines.recent(40)
        let strings = surface.strings(language: WebPages.language(of: request))
        if let directory = report.mailCapturedTo {
            page.mailCaptureWarning = (strings["warning.mailCaptured"] ?? "").replacingOccurrences(of: "{directory}", with: directory)
        }
        // Other administrators learn here that someone changed where mail goes (accounts have no mail address).
        page.routingNotices = report.mailRoutingChanges.map { entry in
            (strings["warning.mailRoutingChanged"] ?? "")
                .replacingOccurrences(of: "{settings}", with: entry.target.split(separator: ",").map { strings["routing.\($0)"] ?? String($0) }.joined(separator: ", "))
                .replacingOccurrences(of: "{actor}", with: entry.actor)
                .replacingOccurrences(of: "{at}", with: StatusReport.timestamp(entry.at))
        }
        return surface.render("status", request, admin, page)
    }

    /// `login`: the sign-in form, with the name and message of a refused attempt.
    struct LoginPage {
        let next: String, loginCsrf: String
        var name: String?
        var error: String?
    }

    /// `reauth`: the password form before a sensitive action.
    struct ReauthPage {
        let next: String
        var error: String?
    }

    @Sendable func quick(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.createQuickCodes)
        return surface.render("quick", request, admin)
    }
}

/// The figures of the status page and `GET /admin/api/status`.
struct StatusReport: Sendable {
    var version: String
    var uptimeSeconds: Int
    var dataDirectory: String
    var freeBytes: Int64?
    var totalBytes: Int64?
    var outboxQueued: Int
    var outboxFailed: Int
    var outboxSent: Int
    var mailRelay: String
    /// Password derivations (scrypt, bcrypt) waiting for a thread.
    var derivationsWaiting: Int
    /// The update check's state (`docs/updates.md`).
    var update: UpdateStatus
    var updateStatus: String { update.text }
    /// The capture directory while mail is only captured because no relay was ever chosen (outside `--dev`).
    var mailCapturedTo: String?
    /// Recent changes of the relay, sender address or public base URL (`mail.routing-changed` audit rows).
    var mailRoutingChanges: [AuditEntry] = []
    /// Whether the directory is on, and its last failure and success.
    var directory = DirectoryHealth(enabled: false)

    static func collect(_ surface: AdminSurface) async throws -> StatusReport {
        let counts = try await surface.outbox.counts()
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: surface.process.dataDirectory)
        let update = await surface.updates?.updateStatus() ?? .notChecked
        return StatusReport(
            version: SealdropVersion.current, uptimeSeconds: Int(Date().timeIntervalSince(surface.startedAt)),
            dataDirectory: surface.process.dataDirectory,
            freeBytes: (attributes?[.systemFreeSize] as? NSNumber)?.int64Value, totalBytes: (attributes?[.systemSize] as? NSNumber)?.int64Value,
            outboxQueued: counts[.queued] ?? 0, outboxFailed: counts[.failed] ?? 0, outboxSent: counts[.sent] ?? 0,
            mailRelay: RelayURL.redacted(surface.mail.effectiveURL), derivationsWaiting: surface.kdf.queuedCount,
            update: update,
            mailCapturedTo: surface.process.capturedByDefault && surface.mail.isCapture ? surface.process.captureDirectory : nil,
            mailRoutingChanges: try await surface.runtime.recentMailRoutingChanges(), directory: surface.directory.health)
    }

    /// `2026-12-07 04:05 UTC`-style time of an audit row.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + " UTC"
    }

    /// The `status` page model; free space only when the file system tells both figures.
    struct Page {
        let version: String, uptime: String, dataDirectory: String
        let outboxQueued: Int, outboxFailed: Int, outboxSent: Int
        let mailRelay: String
        let derivationsWaiting: Int
        let updateStatus: String
        /// The available release's notes link and version, and whether the last check failed.
        var updateNotes: String?
        var updateVersion: String?
        var updateFailing: Bool?
        var free: String?
        var total: String?
        var freePercent: Int?
        var lowSpace: Bool?
        var logLines: [String] = []
        var mailCaptureWarning: String?
        var routingNotices: [String] = []
        /// The directory line: off, working, or failing with the last failure's time and message.
        var directoryEnabled: Bool?
        var directoryFailing: Bool?
        var directoryFailure: String?
        var directoryFailureAt: String?
    }

    var page: Page {
        var page = Page(version: version, uptime: Self.duration(uptimeSeconds), dataDirectory: dataDirectory,
                        outboxQueued: outboxQueued, outboxFailed: outboxFailed, outboxSent: outboxSent, mailRelay: mailRelay,
                        derivationsWaiting: derivationsWaiting, updateStatus: updateStatus)
        if let freeBytes, let totalBytes, totalBytes > 0 {
            page.free = DisplayFormat.size(freeBytes, language: "en")
            page.total = DisplayFormat.size(totalBytes, language: "en")
            page.freePercent = Int(Double(freeBytes) / Double(totalBytes) * 100)
            page.lowSpace = Double(freeBytes) / Double(totalBytes) < 0.1
        }
        page.updateNotes = update.available?.notes
        page.updateVersion = update.available?.version
        page.updateFailing = update.kind == .failed
        page.directoryEnabled = directory.enabled
        page.directoryFailing = directory.isFailing
        if let failure = directory.lastFailure {
            page.directoryFailure = failure.message
            page.directoryFailureAt = Self.timestamp(failure.at)
        }
        return page
    }

    static func duration(_ seconds: Int) -> String {
        let d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60
        return d > 0 ? "\(d) d \(h) h \(m) min" : h > 0 ? "\(h) h \(m) min" : "\(m) min \(seconds % 60) s"
    }
}
