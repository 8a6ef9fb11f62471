import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The transfer log, transfer details and deletion, statistics, the outbox and the audit log.
struct AdminLogController: Sendable {
    let surface: AdminSurface
    static let pageSize = 50

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let signedIn = router.signedIn()
        let forms = router.signedIn(first: .formPost)
        signedIn.get("admin/log", use: log)
        signedIn.get("admin/log/:trackingId", use: transfer)
        forms.post("admin/log/:trackingId/delete", use: delete)
        signedIn.get("admin/statistics", use: statistics)
        signedIn.get("admin/outbox", use: outbox)
        signedIn.get("admin/outbox/:id", use: outboxMessage)
        forms.post("admin/outbox/:id/retry", use: retry)
        signedIn.get("admin/audit", use: audit)
    }

    static func filter(_ request: Request) -> TransferLogFilter {
        let q = request.uri.queryParameters
        func value(_ key: Substring) -> String? { q[key].map { String($0.prefix(200)) } }
        return TransferLogFilter(sender: value("sender"), trackingId: value("trackingId"), transferId: value("transferId"),
                                 recipient: value("recipient"), fileName: value("fileName"), senderIP: value("ip"))
    }

    @Sendable func log(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewLog)
        let filter = Self.filter(request)
        let page = max(0, min(10_000, request.uri.queryParameters["page"].flatMap { Int($0) } ?? 0))
        let rows = try await surface.transferLog.rows(filter, limit: Self.pageSize + 1, offset: page * Self.pageSize)
        var query = request.uri.queryParameters.filter { $0.key != "page" && $0.key != "lang" }
            .map { "\($0.key)=\(WebPages.queryEscape(String($0.value)))" }.joined(separator: "&")
        if !query.isEmpty { query += "&" }
        let shown = LogPage.Filter(sender: filter.sender ?? "", trackingId: filter.trackingId ?? "", transferId: filter.transferId ?? "",
                                   recipient: filter.recipient ?? "", fileName: filter.fileName ?? "", ip: filter.senderIP ?? "")
        return surface.render("log", request, admin, LogPage(
            filter: shown, rows: rows.prefix(Self.pageSize).map(Row.init), empty: rows.isEmpty,
            previous: page > 0 ? "/admin/log?\(query)page=\(page - 1)" : nil,
            next: rows.count > Self.pageSize ? "/admin/log?\(query)page=\(page + 1)" : nil))
    }

    @Sendable func transfer(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewLog)
        let details = try await TransferLogDetails.load(context.parameters.get("trackingId"), surface)
        let page = TransferPage(canDelete: admin.role.allows(.deleteTransfers) && details.transfer.state == .active)
        return surface.render("transfer", request, admin, TemplateContext(page, TransferLogDetails.Body(details)))
    }

    @Sendable func delete(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .deleteTransfers, sensitive: true, accounts: surface.accounts)
        let details = try await TransferLogDetails.load(context.parameters.get("trackingId"), surface)
        try await surface.transferLog.delete(details, by: admin.actor)
        return AdminSurface.redirect("/admin/log/\(details.transfer.trackingId.rawValue)?notice=deleted")
    }

    @Sendable func statistics(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewStatistics)
        let since = Calendar(identifier: .gregorian).date(byAdding: .month, value: -11, to: Date()) ?? Date()
        let months = try await surface.transferLog.monthlyStatistics(since: StatisticsChart.startOfMonth(since))
        return surface.render("statistics", request, admin, StatisticsChart(months: months).page)
    }

    @Sendable func outbox(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewOutbox)
        let messages = try await surface.outbox.recentMessages(limit: 200)
        let counts = try await surface.outbox.counts()
        return surface.render("outbox", request, admin, OutboxPage(
            queued: counts[.queued] ?? 0, sent: counts[.sent] ?? 0, failed: counts[.failed] ?? 0, capture: surface.mail.isCapture,
            messages: messages.map(OutboxPage.Message.init)))
    }

    @Sendable func outboxMessage(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewOutbox)
        guard let id = context.parameters.get("id").flatMap(Int64.init), let message = try await surface.outbox.message(id) else {
            throw AdminError.notFound("The message")
        }
        // The preview shows the stored message as text; sent messages no longer keep their body.
        return surface.render("outbox-message", request, admin, OutboxMessagePage(
            id: id, subject: message.subject, to: message.envelopeTo.joined(separator: ", "), state: message.state.rawValue,
            source: String(decoding: message.message.prefix(256 * 1024), as: UTF8.self), hasBody: !message.message.isEmpty,
            lastError: message.lastError ?? ""))
    }

    @Sendable func retry(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .viewOutbox, accounts: surface.accounts)
        guard let id = context.parameters.get("id").flatMap(Int64.init), try await surface.outbox.retry(id, by: admin.actor) else {
            throw AdminError.conflict("Only failed messages can be sent again.")
        }
        return AdminSurface.redirect("/admin/outbox?notice=retried")
    }

    @Sendable func audit(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewAudit)
        let entries = try await surface.audit.recent(limit: 300)
        return surface.render("audit", request, admin, AuditPage(entries: entries.map(AuditPage.Entry.init)))
    }
}

/// Finding the transfer a log route names.
extension TransferLogDetails {
    /// The details of the transfer the route names; not found for a malformed or unknown id.
    static func load(_ raw: String?, _ surface: AdminSurface) async throws -> TransferLogDetails {
        guard let raw, let id = TrackingID(rawValue: raw), let details = try await surface.transferLog.details(id) else {
            throw AdminError.notFound("The transfer")
        }
        return details
    }
}

/// Monthly statistics drawn as inline SVG bars (no script, no inline style).
struct StatisticsChart: Sendable {
    let months: [MonthlyStatistics]

    /// Horizontal space per month in the SVG.
    static let slot = 48

    /// The `statistics` page model: two bar charts and the table.
    struct Page {
        /// A bar of a chart, in SVG units.
        struct Bar { let x: Int, y: Int, height: Int, width: Int, label: String, labelX: Int, value: String }
        /// A row of the table.
        struct Month { let month: String, transfers: Int, volume: String, senders: Int, recipients: Int }

        let empty: Bool
        let chartWidth: Int
        let transferBars: [Bar]
        let volumeBars: [Bar]
        let months: [Month]
    }

    /// One SVG bar per month, 160 px for the largest value of `figure`.
    func bars<Figure: Comparable>(_ number: (Figure) -> Double, of figure: KeyPath<MonthlyStatistics, Figure>,
                                  label value: (MonthlyStatistics) -> String) -> [Page.Bar] {
        let largest = max(1, months.map { number($0[keyPath: figure]) }.max() ?? 1)
        return months.enumerated().map { i, m in
            let height = Int(number(m[keyPath: figure]) / largest * 160)
            let x = 10 + i * Self.slot
            return Page.Bar(x: x, y: 180 - height, height: height, width: Self.slot - 12, label: m.month,
                            labelX: x + (Self.slot - 12) / 2, value: value(m))
        }
    }

    static func startOfMonth(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
    }

    var page: Page {
        Page(empty: months.isEmpty, chartWidth: max(1, months.count) * Self.slot + 20,
             transferBars: bars(Double.init(_:), of: \.transfers) { "\($0.transfers)" },
             volumeBars: bars(Double.init(_:), of: \.bytes) { DisplayFormat.size($0.bytes, language: "en") },
             months: months.map { Page.Month(month: $0.month, transfers: $0.transfers, volume: DisplayFormat.size($0.bytes, language: "en"),
                                             senders: $0.distinctSenders, recipients: $0.distinctRecipients) })
    }
}
