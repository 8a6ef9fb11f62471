import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Everything the admin listeners need, built once by `HTTPSurfaces`.
struct AdminSurface: Sendable {
    let accounts: AdminAccounts
    let audit: AuditLog
    let runtime: RuntimeSettings
    let pages: WebPages
    /// The transfer log, statistics and deleting transfers.
    let transferLog: TransferLogService
    /// The mail queue.
    let outbox: OutboxAdminService
    /// Resetting every sender verification.
    let verification: VerificationService
    let metrics: ServerMetrics
    /// What the process configuration decided about mail and the data dir.
    let process: AdminProcessFacts
    let mail: any MailRelay
    /// The mail composer; its base URL is the one in force.
    let notifications: Notifications
    let logLines: RecentLogLines
    /// The password-derivation threads; their queue shows on the status page.
    let kdf: KeyDerivationRunner
    let staticFiles: StaticFiles
    let startedAt: Date
    /// The directory's health and connection check.
    let directory: any DirectoryDiagnostics
    /// The archive queue and connection check (nil in surfaces built without one).
    let archive: ArchiveService?
    /// Generating and reading the archive's SSH client key.
    let archiveKeys: (any ArchiveKeys)?
    /// The background tasks: schedules, runs, "run now" (nil in surfaces built without one).
    let scheduler: Scheduler?
    /// The system log files (nil when the log is not kept on disk).
    var systemLog: SystemLogReader? = nil
    /// The update check's state for the status page (nil in surfaces built without one: "not checked yet").
    var updates: (any UpdateStatusSource)? = nil
    /// The backups in the configured backup directory (nil in surfaces built without them).
    var backups: BackupService? = nil

    var settings: SettingsStore { runtime.store }

    /// The sender address of notifications now: the admin setting unless the configuration pins it.
    var effectiveMailFrom: String { process.configured.mailFrom(in: settings.current) }

    /// The UI strings of `language`, English where a key is missing.
    func strings(language: String) -> [String: String] {
        let english = pages.strings["en"] ?? [:]
        guard language != "en", let own = pages.strings[language] else { return english }
        return english.merging(own) { $1 }
    }

    /// Renders an admin page with the menu for the principal's role, its CSRF token and the flash notice.
    func render(_ page: String, _ request: Request, _ admin: AdminPrincipal?, status: HTTPResponse.Status = .ok,
                _ model: Any = EmptyModel(), cookies: [String] = []) -> Response {
        let language = WebPages.language(of: request)
        let strings = pages.strings[language] ?? pages.strings["en"] ?? [:]
        var frame = AdminLayout()
        if let admin {
            frame.signedIn = true
            frame.actor = admin.actor
            frame.roleName = strings["role.\(admin.role.rawValue)"] ?? admin.role.rawValue
            frame.csrf = admin.session?.csrfToken ?? ""
            frame.nav = Self.menu.filter { admin.role.allows($0.permission) }.map { item in
                AdminLayout.MenuItem(href: item.href, label: strings["nav.\(item.id)"] ?? item.id,
                                     current: request.uri.path == item.href || (item.href != "/admin" && request.uri.path.hasPrefix(item.href + "/")))
            }
        }
        if let notice = request.uri.queryParameters["notice"].map(String.init), let text = strings["notice.\(notice)"] { frame.notice = text }
        return pages.render(page, status: status, request: request, model: TemplateContext(frame, model), cookies: cookies)
    }

    /// What the admin layout adds for a signed-in principal (all absent on the login page), and the flash notice.
    struct AdminLayout {
        /// An entry of the menu.
        struct MenuItem { let href: String, label: String, current: Bool }

        var signedIn: Bool?
        var actor: String?
        var roleName: String?
        var csrf: String?
        var nav: [MenuItem]?
        var notice: String?
    }

    /// The admin menu; an entry shows only to roles with its permission.
    static let menu: [(id: String, href: String, permission: AdminPermission)] = [
        ("status", "/admin", .viewStatus),
        ("tasks", "/admin/tasks", .viewStatus),
        ("log", "/admin/log", .viewLog),
        ("statistics", "/admin/statistics", .viewStatistics),
        ("connection", "/admin/settings/connection", .editSettings),
        ("mail", "/admin/settings/mail", .manageMail),
        ("verification", "/admin/settings/verification", .editSettings),
        ("transfer", "/admin/settings/transfer", .editSettings),
        ("password", "/admin/settings/password", .editSettings),
        ("protection", "/admin/settings/protection", .editSettings),
        ("legal", "/admin/settings/legal", .editSettings),
        ("branding", "/admin/branding", .editSettings),
        ("policy", "/admin/policy", .editSettings),
        ("products", "/admin/settings/products", .editSettings),
        ("languages", "/admin/languages", .editSettings),
        ("network", "/admin/settings/network", .editSettings),
        ("directory", "/admin/settings/directory", .editSettings),
        ("archive", "/admin/settings/archive", .editSettings),
        ("retention", "/admin/settings/retention", .editSettings),
        ("backup", "/admin/settings/backup", .editSettings),
        ("outbox", "/admin/outbox", .viewOutbox),
        ("admins", "/admin/admins", .manageAdmins),
        ("audit", "/admin/audit", .viewAudit),
        ("systemlog", "/admin/system-log", .viewSystemLog),
        ("quick", "/admin/quick", .createQuickCodes),
    ]

    /// The first page a role may open after signing in.
    static func home(for role: AdminRole) -> String {
        menu.first { role.allows($0.permission) }?.href ?? "/admin"
    }

    /// The largest URL-encoded body an admin form may send: legal texts.
    static let formLimit = 256 * 1024

    /// The form fields of a URL-encoded body (at most `formLimit`).
    static func form(_ request: Request) async throws -> [String: String] {
        try await RetrieveController.form(request, limit: formLimit)
    }

    /// The principal of a form post with a matching CSRF token and the permission; sensitive actions also
    /// need a recent password entry (API tokens act for automation and skip that step).
    static func formPrincipal(_ context: AdminContext, _ form: [String: String], _ permission: AdminPermission,
                              sensitive: Bool = false, accounts: AdminAccounts) throws -> AdminPrincipal {
        let admin = try context.principal(permission)
        if let session = admin.session {
            guard let token = form["csrf"], ConstantTime.equal(token, session.csrfToken) else { throw AdminError.staleForm }
            if sensitive, !accounts.isRecentlyAuthenticated(session) { throw AdminError.reauthenticationRequired }
        }
        return admin
    }

    /// The check `RuntimeSettings.apply` runs on the keys that really change: the mail relay, the sender address
    /// and the public base URL decide who receives verification codes and download links, so changing them needs
    /// `manageMail` (Administrators) and, in a browser session, a recent password entry. API tokens act for
    /// automation and skip the password step, as for every sensitive action.
    func authorizeChanges(by admin: AdminPrincipal) -> @Sendable ([String]) throws -> Void {
        let accounts = accounts
        return { changed in
            guard changed.contains(where: RuntimeSettings.mailRoutingKeys.contains) else { return }
            try admin.require(.manageMail)
            if let session = admin.session, !accounts.isRecentlyAuthenticated(session) { throw AdminError.reauthenticationRequired }
        }
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        if !cookies.isEmpty { headers[values: .setCookie] = cookies }
        return Response(status: .seeOther, headers: headers)
    }

    /// A local path to return to after login; anything else becomes `/admin`.
    ///
    /// Printable ASCII only: browsers drop tabs and newlines inside a URL and read `\` as `/`, so
    /// `/\t/evil.example` or `/\evil.example` would leave the site. One leading `/`, not followed by `/` or `\`.
    /// Percent escapes are kept as they are: `/%09/evil` stays a path on this host, as no browser decodes it.
    static func safeNext(_ value: String?) -> String {
        guard let value, value.utf8.count < 512, value.utf8.first == UInt8(ascii: "/"),
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") }),
              !value.hasPrefix("//") else { return "/admin" }
        return value
    }
}
