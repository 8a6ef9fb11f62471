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

    func render(_ request: Request, _ admin: AdminPrincipal, status: HTTPResponse.Status = .ok, problems: [FieldProblem]? = nil,
                newName: String? = nil, newToken: String? = nil) async throws -> Response {
        let strings = surface.pages.strings[WebPages.language(of: request)] ?? [:]
        let roles = AdminRole.allCases
        func label(_ role: AdminRole) -> String { strings["role.\(role.rawValue)"] ?? role.rawValue }
        let page = AdminsPage(
            accounts: try await surface.accounts.accounts().map { account in
                AdminsPage.Account(name: account.name, role: label(account.role), disabled: account.disabled,
                                   locked: account.lockedUntil.map { $0 > Date() } ?? false, lastLogin: account.lastLoginAt.map { APIDate.format($0) } ?? "",
                                   roles: roles.map { AdminsPage.RoleOption(value: $0.rawValue, label: label($0), selected: $0 == account.role) })
            },
            roles: roles.map { AdminsPage.RoleOption(value: $0.rawValue, label: label($0), selected: nil) },
            tokens: try await surface.accounts.tokens().map { token in
                AdminsPage.Token(id: token.id ?? 0, label: token.label, role: label(token.role), createdBy: token.createdBy,
                                 created: APIDate.format(token.createdAt), lastUsed: token.lastUsedAt.map { APIDate.format($0) } ?? "")
            },
            problems: problems, newName: newName, newToken: newToken)
        return surface.render("admins", request, admin, status: status, page)
    }

    /// `admins`: the accounts, the API tokens, and what a refused form or a new token brings.
    struct AdminsPage {
        /// A role in a select; `selected` absent where nothing is preselected.
        struct RoleOption { let value: String, label: String, selected: Bool? }
        /// An administrator account.
        struct Account { let name: String, role: String, disabled: Bool, locked: Bool, lastLogin: String, roles: [RoleOption] }
        /// An API token (never its secret).
        struct Token { let id: Int64, label: String, role: String, createdBy: String, created: String, lastUsed: String }

        let accounts: [Account]
        let roles: [RoleOption]
        let tokens: [Token]
        let problems: [FieldProblem]?
        let newName: String?
        /// Shown once, right after it was created.
        let newToken: String?
    }

    @Sendable func create(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .manageAdmins, sensitive: true, accounts: surface.accounts)
        guard let role = AdminRole(rawValue: form["role"] ?? "") else {
            return try await render(request, admin, status: .badRequest, problems: [FieldProblem("role", "Choose a role.")])
        }
        do {
            try await surface.accounts.create(name: (form["name"] ?? "").trimmingCharacters(in: .whitespaces), role: role,
                                              password: form["password"] ?? "", by: admin.actor)
        } catch AdminError.invalid(let problems) {
            return try await render(request, admin, status: .badRequest, problems: problems, newName: form["name"] ?? "")
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
            return try await render(request, admin, status: .badRequest, problems: problems)
        } catch AdminError.conflict(let message) {
            return try await render(request, admin, status: .conflict, problems: [FieldProblem(name, message)])
        }
        return AdminSurface.redirect("/admin/admins?notice=saved")
    }

    @Sendable func createToken(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .manageAdmins, sensitive: true, accounts: surface.accounts)
        guard let role = AdminRole(rawValue: form["role"] ?? "") else {
            return try await render(request, admin, status: .badRequest, problems: [FieldProblem("role", "Choose a role.")])
        }
        do {
            let created = try await surface.accounts.createToken(label: form["label"] ?? "", role: role, by: admin.actor)
            // Shown once, in this answer only.
            return try await render(request, admin, newToken: created.token)
        } catch AdminError.invalid(let problems) {
            return try await render(request, admin, status: .badRequest, problems: problems)
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
