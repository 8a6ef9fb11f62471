import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

extension SettingsPage {
    /// The archive page beyond its fields: the last connection check, the client key's public line, the queue.
    struct Archive {
        struct Step { let step: String, ok: Bool, detail: String }
        struct Job { let trackingId: String, state: String, attempts: Int, nextAttempt: String, lastError: String }

        var steps: [Step]?
        var hasSteps: Bool?
        /// A fingerprint the check saw and that is not the accepted one: offered for acceptance.
        var offeredFingerprint: String?
        var publicKey: String?
        let pending: Int, failed: Int, archived: Int
        let jobs: [Job]
        let hasJobs: Bool
    }
}

extension AdminSettingsController {
    /// The archive page's queue and key, with the steps of a check when one just ran.
    func archivePage(check: ArchiveCheck?) async throws -> SettingsPage.Archive? {
        guard let service = surface.archive else { return nil }
        let (jobs, counts) = try await service.jobs(states: [.pending, .failed], limit: 50, offset: 0)
        let settings = surface.settings.current.archive
        var page = SettingsPage.Archive(
            pending: counts[.pending] ?? 0, failed: counts[.failed] ?? 0, archived: counts[.archived] ?? 0,
            jobs: jobs.map {
                SettingsPage.Archive.Job(trackingId: $0.trackingId.rawValue, state: $0.state.rawValue, attempts: $0.attempts,
                                         nextAttempt: $0.state == .pending ? APIDate.format($0.nextAttemptAt) : "",
                                         lastError: $0.lastError ?? "")
            }, hasJobs: !jobs.isEmpty)
        if !settings.privateKey.isEmpty {
            page.publicKey = surface.archiveKeys?.publicLine(privateKey: settings.privateKey, passphrase: settings.privateKeyPassphrase,
                                                             comment: AdminArchiveAPI.keyComment)
        }
        if let check {
            page.steps = check.steps.map { SettingsPage.Archive.Step(step: $0.step, ok: $0.ok, detail: $0.detail) }
            page.hasSteps = !check.steps.isEmpty
            if let seen = check.hostKeyFingerprint, seen != settings.hostKeyFingerprint { page.offeredFingerprint = seen }
        }
        return page
    }

    /// "Check connection": the saved settings, nothing written.
    @Sendable func checkArchive(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        guard let service = surface.archive, let section = SettingsSection.named("archive") else { throw AdminError.notFound("Archiving") }
        let settings = surface.settings.current.archive
        let result = await service.check(settings)
        try await surface.audit.record(actor: admin.actor, action: "archive.check", target: settings.url.isEmpty ? "archive" : String(settings.url.prefix(200)),
                                       new: result.ok ? "ok" : "failed")
        return try render(section, request, admin, form: nil, problems: [], archive: try await archivePage(check: result))
    }

    /// Accepts the host key fingerprint a check showed (the form repeats it, so what was shown is what is saved).
    @Sendable func acceptHostKey(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        let fingerprint = (form["fingerprint"] ?? "").trimmingCharacters(in: .whitespaces)
        _ = try await surface.runtime.apply(patch: ["archive": ["hostKeyFingerprint": fingerprint]], actor: admin.actor,
                                            allowedKeys: ["archive.hostKeyFingerprint"])
        return AdminSurface.redirect("/admin/settings/archive?notice=saved")
    }

    /// Generates a new client key and stores it (sealed); the page then shows its public line.
    @Sendable func generateArchiveKey(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        guard let keys = surface.archiveKeys else { throw AdminError.notFound("SSH keys") }
        let key = keys.generate(comment: AdminArchiveAPI.keyComment)
        _ = try await surface.runtime.apply(patch: ["archive": ["privateKey": key.privateKey, "privateKeyPassphrase": ""]], actor: admin.actor,
                                            allowedKeys: ["archive.privateKey", "archive.privateKeyPassphrase"])
        return AdminSurface.redirect("/admin/settings/archive?notice=saved")
    }

    /// "Retry now" for one copy.
    @Sendable func retryArchiveJob(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        guard let service = surface.archive, let trackingId = TrackingID(rawValue: try context.parameters.require("trackingId")),
              try await service.retry(trackingId) else { throw AdminError.notFound("A pending or failed archive copy") }
        try await surface.audit.record(actor: admin.actor, action: "archive.retry", target: trackingId.rawValue, new: "due now")
        return AdminSurface.redirect("/admin/settings/archive?notice=saved")
    }
}
