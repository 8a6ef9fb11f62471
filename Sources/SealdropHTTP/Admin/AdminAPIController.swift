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
        api.post("directory/check", use: checkDirectory)
        AdminArchiveAPI(surface: surface).addRoutes(to: api)
        AdminBackupAPI(surface: surface).addRoutes(to: api)
        api.get("admins", use: admins)
        api.post("admins", use: createAdmin)
    }

    /// An admin API answer: keys sorted, as the API has always written them.
    static func json(_ body: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse(body: body, status: status).response
    }

    /// A JSON object body of at most 256 KiB; a settings patch is any subset of the settings document, so it stays untyped.
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
        return Self.json(StatusBody(try await StatusReport.collect(surface)))
    }

    @Sendable func settings(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        return Self.json(SettingsBody(settings: try Self.document(surface.settings.current), pinned: surface.runtime.pinnedKeys.sorted(),
                                      sections: SettingsSection.all.map(\.id) + ["legal"]))
    }

    @Sendable func settingsSection(_ request: Request, context: AdminContext) async throws -> Response {
        let section = try AdminSettingsController.section(context)
        _ = try context.principal(section.permission)
        let document = try Self.document(surface.settings.current)
        var result = JSONValue.object([:])
        for key in section.keys {
            guard let value = document[path: key] else { continue }
            result[path: key] = value
        }
        return Self.json(result)
    }

    @Sendable func updateSection(_ request: Request, context: AdminContext) async throws -> Response {
        let section = try AdminSettingsController.section(context)
        let admin = try context.principal(section.permission)
        let patch = try await Self.object(request)
        let changed = try await surface.runtime.apply(patch: patch, actor: admin.actor, allowedKeys: section.keys,
                                                      relay: surface.mail, authorize: surface.authorizeChanges(by: admin))
        return Self.json(["changed": changed])
    }

    /// `POST /admin/api/directory/check`: `{"directory": {…unsaved settings…}, "testAddress": "…"}`, both optional;
    /// submitted settings are merged over the saved ones (an empty or absent `bindPassword` keeps the stored one).
    @Sendable func checkDirectory(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let body: [String: Any]
        if buffer.readableBytes == 0 {
            body = [:]
        } else if let object = (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] {
            body = object
        } else {
            throw AdminError.invalid([FieldProblem("body", "Send a JSON object.")])
        }
        let settings = try Self.directorySettings(submitted: body["directory"], over: surface.settings.current)
        let address = (body["testAddress"] as? String).map { String($0.trimmingCharacters(in: .whitespaces).prefix(320)) }
        let steps = await surface.directory.check(settings, testAddress: address?.isEmpty == false ? address : nil)
        try await surface.audit.record(actor: admin.actor, action: "directory.check", target: address ?? "directory",
                                       new: steps.allSatisfy(\.ok) ? "ok" : "failed")
        return Self.json(DirectoryCheckBody(ok: !steps.isEmpty && steps.allSatisfy(\.ok), steps: steps))
    }

    /// The saved directory settings with a submitted (unsaved) object merged over them, checked like a save.
    static func directorySettings(submitted: Any?, over current: SealdropSettings) throws -> DirectorySettings {
        try unsaved("directory", submitted: submitted, secrets: ["bindPassword"], over: current).directory
    }

    /// The saved settings with a submitted (unsaved) object for `section` merged over them and that section checked like
    /// a save; an empty or absent secret keeps the stored one. For "check connection" before saving.
    static func unsaved(_ section: String, submitted: Any?, secrets: [String], over current: SealdropSettings) throws -> SealdropSettings {
        guard let submitted else { return current }
        guard var patch = submitted as? [String: Any] else { throw AdminError.invalid([FieldProblem(section, "Send the \(section) settings as an object.")]) }
        for key in secrets where (patch[key] as? String)?.isEmpty == true { patch.removeValue(forKey: key) }
        let document = SettingsJSON.merge(try SettingsJSON.object(of: current), [section: patch])
        let merged: SealdropSettings
        do {
            merged = try SettingsJSON.decode(document)
        } catch {
            throw AdminError.invalid([FieldProblem(section, "This value has the wrong type.")])
        }
        let problems = merged.validationErrors().filter { $0.hasPrefix(section + ".") }.map { text -> FieldProblem in
            let parts = text.split(separator: " ", maxSplits: 1)
            return FieldProblem(String(parts[0]), parts.count > 1 ? String(parts[1]) : text)
        }
        if !problems.isEmpty { throw AdminError.invalid(problems) }
        return merged
    }

    @Sendable func transfers(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewLog)
        let q = request.uri.queryParameters
        let limit = max(1, min(500, q["limit"].flatMap { Int($0) } ?? 100))
        let offset = max(0, q["offset"].flatMap { Int($0) } ?? 0)
        let rows = try await surface.transferLog.rows(AdminLogController.filter(request), limit: limit, offset: offset)
        return Self.json(["transfers": rows.map(TransferRow.init)])
    }

    @Sendable func transfer(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewLog)
        let details = try await TransferLogDetails.load(context.parameters.get("trackingId"), surface)
        return Self.json(TransferLogDetails.Body(details))
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
        return Self.json(["months": months.map(Month.init)])
    }

    @Sendable func outbox(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewOutbox)
        let messages = try await surface.outbox.recentMessages(limit: 200)
        return Self.json(["messages": messages.map(OutboxRow.init)])
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
        return Self.json(["entries": entries.map(AuditRow.init)])
    }

    @Sendable func verifyAudit(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewAudit)
        switch try await surface.audit.verify() {
        case .intact(let count): return Self.json(AuditCheck(intact: true, rows: count))
        case .broken(let id, let reason): return Self.json(AuditCheck(intact: false, firstBrokenId: id, reason: reason))
        }
    }

    @Sendable func admins(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.manageAdmins)
        return Self.json(AdminsBody(admins: try await surface.accounts.accounts().map(AdminRow.init),
                                    tokens: try await surface.accounts.tokens().map(TokenRow.init)))
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
        return Self.json(["name": name, "role": role.rawValue], status: .created)
    }
}
