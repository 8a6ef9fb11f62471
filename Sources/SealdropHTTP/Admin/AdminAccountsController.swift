import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Administrator accounts and admin API tokens; every change needs a recent password entry.
struct AdminAccountsController: Sendable {
    let surface: AdminSurface

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.signedIn().get("admin/admins", use: page)
        let forms = router.signedIn(first: .formPost)
        forms.post("admin/admins", use: create)
        forms.post("admin/admins/:name", use: change)
        forms.post("admin/tokens", use: createToken)
        forms.post("admin/tokens/:id/delete", use: deleteToken)
    }

    @Sendable func page(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.manageAdmins)
        return try await render(request, admin)
    }

    func render(_ request: Request, _ admin: AdminPrincipal, status: HTTPResponse.Status = .ok, extra: [String: Any] = [:]) async throws -> Response {
        let strings = surface.pages.strings[WebPages.language(of: request)] ?? [:]
        let roles = AdminRole.allCases
        var values = extra
        values["accounts"] = try await surface.accounts.accounts().map { account -> [String: Any] in
            ["name": account.name, "role": strings["role.\(account.role.rawValue)"] ?? account.role.rawValue, "disabled": account.disabled,
             "locked": account.lockedUntil.map { $0 > Date() } ?? false, "lastLogin": account.lastLoginAt.map { APIDate.format($0) } ?? "",
             "roles": roles.map { ["value": $0.rawValue, "label": strings["role.\($0.rawValue)"] ?? $0.rawValue, "selected": $0 == account.role] }]
        }
        values["roles"] = roles.map { ["value": $0.rawValue, "label": strings["role.\($0.rawValue)"] ?? $0.rawValue] }
        values["tokens"] = try await surface.accounts.tokens().map { token -> [String: Any] in
            ["id": token.id ?? 0, "label": token.label, "role": strings["role.\(token.role.rawValue)"] ?? token.role.rawValue,
             "createdBy": token.createdBy, "created": APIDate.format(token.createdAt), "lastUsed": token.lastUsedAt.map { APIDate.format($0) } ?? ""]
        }
        return surface.render("admins", request, admin, status: status, values)
    }

    @Sendable func create(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .manageAdmins, sensitive: true, accounts: surface.accounts)
        guard let role = AdminRole(rawValue: form["role"] ?? "") else {
            return try await render(request, admin, status: .badRequest, extra: ["problems": [["field": "role", "message": "Choose a role."]]])
        }
        do {
            try await surface.accounts.create(name: (form["name"] ?? "").trimmingCharacters(in: .whitespaces), role: role,
                                              password: form["password"] ?? "", by: admin.actor)
        } catch AdminError.invalid(let problems) {
            return try await render(request, admin, status: .badRequest, extra: [
                "problems": problems.map { ["field": $0.field, "message": $0.message] }, "newName": form["name"] ?? "",
            ])
        }
        return AdminSurface.redirect("/admin/admins?notice=saved")
    }

    @Sendable func change(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .manageAdmins, sensitive: true, accounts: surface.accounts)
        guard let name = context.parameters.get("name") else { throw AdminError.notFound("The administrator") }
        do {
            switch form["action"] {
            case "role":
                guard let role = AdminRole(rawValue: form["role"] ?? "") else { throw AdminError.invalid([FieldProblem("role", "Choose a role.")]) }
                try await surface.accounts.setRole(name, to: role, by: admin.actor)
            case "disable": try await surface.accounts.setDisabled(name, true, by: admin.actor)
            case "enable": try await surface.accounts.setDisabled(name, false, by: admin.actor)
            case "password": try await surface.accounts.resetPassword(name, to: form["password"] ?? "", by: admin.actor)
            default: throw AdminError.invalid([FieldProblem("action", "Unknown action.")])
            }
        } catch AdminError.invalid(let problems) {
            return try await render(request, admin, status: .badRequest, extra: ["problems": problems.map { ["field": $0.field, "message": $0.message] }])
        } catch AdminError.conflict(let message) {
            return try await render(request, admin, status: .conflict, extra: ["problems": [["field": name, "message": message]]])
        }
        return AdminSurface.redirect("/admin/admins?notice=saved")
    }

    @Sendable func createToken(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .manageAdmins, sensitive: true, accounts: surface.accounts)
        guard let role = AdminRole(rawValue: form["role"] ?? "") else {
            return try await render(request, admin, status: .badRequest, extra: ["problems": [["field": "role", "message": "Choose a role."]]])
        }
        do {
            let created = try await surface.accounts.createToken(label: form["label"] ?? "", role: role, by: admin.actor)
            // Shown once, in this answer only.
            return try await render(request, admin, extra: ["newToken": created.token])
        } catch AdminError.invalid(let problems) {
            return try await render(request, admin, status: .badRequest, extra: ["problems": problems.map { ["field": $0.field, "message": $0.message] }])
        }
    }

    @Sendable func deleteToken(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .manageAdmins, sensitive: true, accounts: surface.accounts)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw AdminError.notFound("The token") }
        try await surface.accounts.deleteToken(id: id, by: admin.actor)
        return AdminSurface.redirect("/admin/admins?notice=saved")
    }
}
