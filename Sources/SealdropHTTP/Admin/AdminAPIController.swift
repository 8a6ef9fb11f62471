import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The admin JSON API under `/admin/api`: the same settings, log, statistics, outbox and audit as the
/// pages, for automation with `Authorization: Bearer sdt_…` (or a browser session plus `X-CSRF-Token`).
/// Errors are `{"errorCode", "message", "problems": [{"field", "message"}]}` with the matching status.
struct AdminAPIController: Sendable {
    let surface: AdminSurface

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let api = router.group("admin/api").signedIn()
        let section = router.group("admin/api").signedIn(first: .settingsSection)
        api.get("status", use: status)
        api.get("settings", use: settings)
        section.get("settings/:section", use: settingsSection)
        section.put("settings/:section", use: updateSection)
        api.get("transfers", use: transfers)
        api.get("transfers/:trackingId", use: transfer)
        api.delete("transfers/:trackingId", use: deleteTransfer)
        api.get("statistics", use: statistics)
        api.get("outbox", use: outbox)
        api.post("outbox/:id/retry", use: retry)
        api.get("audit", use: audit)
        api.get("audit/verify", use: verifyAudit)
        api.get("admins", use: admins)
        api.post("admins", use: createAdmin)
    }

    static func json(_ value: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON object body of at most 256 KiB.
    static func object(_ request: Request) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: 256 * 1024)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] else {
            throw AdminError.invalid([FieldProblem("body", "Send a JSON object.")])
        }
        return object
    }

    /// Sensitive calls from a browser session need a recent password entry, as on the pages.
    func sensitive(_ admin: AdminPrincipal) throws {
        if let session = admin.session, !surface.accounts.isRecentlyAuthenticated(session) { throw AdminError.reauthenticationRequired }
    }

    @Sendable func status(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewStatus)
        let r = try await StatusReport.collect(surface)
        var value: [String: Any] = ["version": r.version, "uptimeSeconds": r.uptimeSeconds, "dataDirectory": r.dataDirectory,
                                    "outbox": ["queued": r.outboxQueued, "sent": r.outboxSent, "failed": r.outboxFailed],
                                    "mailRelay": r.mailRelay, "derivationsWaiting": r.derivationsWaiting, "updateStatus": r.updateStatus]
        if let free = r.freeBytes { value["freeBytes"] = free }
        value["mailCapturedTo"] = r.mailCapturedTo.map { $0 as Any } ?? NSNull()
        value["mailRoutingChanges"] = r.mailRoutingChanges.map { entry -> [String: Any] in
            ["at": APIDate.format(entry.at), "actor": entry.actor, "settings": entry.target.split(separator: ",").map(String.init)]
        }
        return try Self.json(value)
    }

    @Sendable func settings(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        var object = try SettingsJSON.object(of: surface.settings.current)
        if var mail = object["mail"] as? [String: Any], let url = mail["relayURL"] as? String {
            mail["relayURL"] = RelayURL.redacted(url)
            object["mail"] = mail
        }
        return try Self.json(["settings": object, "pinned": surface.runtime.pinnedKeys.sorted(),
                              "sections": SettingsSection.all.map(\.id) + ["legal"]])
    }

    @Sendable func settingsSection(_ request: Request, context: AdminContext) async throws -> Response {
        let section = try AdminSettingsController.section(context)
        _ = try context.principal(section.permission)
        let object = try SettingsJSON.object(of: surface.settings.current)
        var result: [String: Any] = [:]
        for key in section.keys {
            guard var value = SettingsSection.lookup(object, key) else { continue }
            if key == "mail.relayURL", let url = value as? String { value = RelayURL.redacted(url) }
            SettingsSection.set(&result, key, value)
        }
        return try Self.json(result)
    }

    @Sendable func updateSection(_ request: Request, context: AdminContext) async throws -> Response {
        let section = try AdminSettingsController.section(context)
        let admin = try context.principal(section.permission)
        let patch = try await Self.object(request)
        let changed = try await surface.runtime.apply(patch: patch, actor: admin.actor, allowedKeys: section.keys,
                                                      relay: surface.mail, authorize: surface.authorizeChanges(by: admin))
        return try Self.json(["changed": changed])
    }

    @Sendable func transfers(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewLog)
        let q = request.uri.queryParameters
        let limit = max(1, min(500, q["limit"].flatMap { Int($0) } ?? 100))
        let offset = max(0, q["offset"].flatMap { Int($0) } ?? 0)
        let rows = try await surface.transferLog.rows(AdminLogController.filter(request), limit: limit, offset: offset)
        return try Self.json(["transfers": rows.map { row -> [String: Any] in
            ["trackingId": row.trackingId, "sender": row.senderEmail, "senderIP": row.senderIP ?? NSNull(), "state": row.state.rawValue,
             "created": APIDate.format(row.createdAt), "expires": APIDate.format(row.expiresAt), "recipients": row.recipientCount,
             "files": row.fileCount, "size": row.totalSize, "notificationFailed": row.notificationFailed]
        }])
    }

    @Sendable func transfer(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewLog)
        let details = try await TransferLogDetails.load(context.parameters.get("trackingId"), surface)
        return try Self.json(details.values)
    }

    @Sendable func deleteTransfer(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.deleteTransfers)
        try sensitive(admin)
        let details = try await TransferLogDetails.load(context.parameters.get("trackingId"), surface)
        try await surface.transferLog.delete(details, by: admin.actor)
        return Response(status: .noContent)
    }

    @Sendable func statistics(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewStatistics)
        let since = Calendar(identifier: .gregorian).date(byAdding: .month, value: -11, to: Date()) ?? Date()
        let months = try await surface.transferLog.monthlyStatistics(since: StatisticsChart.startOfMonth(since))
        return try Self.json(["months": months.map { ["month": $0.month, "transfers": $0.transfers, "bytes": $0.bytes,
                                                      "distinctSenders": $0.distinctSenders, "distinctRecipients": $0.distinctRecipients] }])
    }

    @Sendable func outbox(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewOutbox)
        let messages = try await surface.outbox.recentMessages(limit: 200)
        return try Self.json(["messages": messages.map { m -> [String: Any] in
            ["id": m.id ?? 0, "kind": m.kind, "to": m.envelopeTo, "subject": m.subject, "state": m.state.rawValue, "attempts": m.attempts,
             "created": APIDate.format(m.createdAt), "lastError": m.lastError ?? NSNull()]
        }])
    }

    @Sendable func retry(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewOutbox)
        guard let id = context.parameters.get("id").flatMap(Int64.init), try await surface.outbox.retry(id, by: admin.actor) else {
            throw AdminError.conflict("Only failed messages can be sent again.")
        }
        return Response(status: .noContent)
    }

    @Sendable func audit(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewAudit)
        let after = max(0, request.uri.queryParameters["after"].flatMap { Int64($0) } ?? 0)
        let entries = try await surface.audit.entries(afterId: after, limit: 500)
        return try Self.json(["entries": entries.map { e -> [String: Any] in
            ["id": e.id, "at": APIDate.format(e.at), "actor": e.actor, "action": e.action, "target": e.target,
             "oldValue": e.oldValue ?? NSNull(), "newValue": e.newValue ?? NSNull(), "previousHash": e.previousHash, "hash": e.hash]
        }])
    }

    @Sendable func verifyAudit(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewAudit)
        switch try await surface.audit.verify() {
        case .intact(let count): return try Self.json(["intact": true, "rows": count])
        case .broken(let id, let reason): return try Self.json(["intact": false, "firstBrokenId": id, "reason": reason])
        }
    }

    @Sendable func admins(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.manageAdmins)
        return try Self.json(["admins": try await surface.accounts.accounts().map { a -> [String: Any] in
            ["name": a.name, "role": a.role.rawValue, "disabled": a.disabled, "locked": a.lockedUntil.map { $0 > Date() } ?? false,
             "lastLogin": a.lastLoginAt.map { APIDate.format($0) } ?? NSNull()]
        }])
    }

    @Sendable func createAdmin(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.manageAdmins)
        try sensitive(admin)
        let body = try await Self.object(request)
        guard let name = body["name"] as? String, let roleText = body["role"] as? String, let role = AdminRole(rawValue: roleText),
              let password = body["password"] as? String else {
            throw AdminError.invalid([FieldProblem("body", "Send name, role (\(AdminRole.allCases.map(\.rawValue).joined(separator: ", "))) and password.")])
        }
        try await surface.accounts.create(name: name, role: role, password: password, by: admin.actor)
        return try Self.json(["name": name, "role": role.rawValue], status: .created)
    }
}
