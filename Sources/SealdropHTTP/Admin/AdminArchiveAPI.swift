import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The archive part of the admin API (settings themselves are the generic section `archive`):
///
/// | route | does |
/// |---|---|
/// | `POST /admin/api/archive/check` | connects without writing: `{"archive": {…unsaved…}}` optional; answers each step and the host key |
/// | `POST /admin/api/archive/key` | generates an Ed25519 client key, stores it (sealed) and answers its public line |
/// | `GET /admin/api/archive/key` | the public line of the stored key (`null` without one) |
/// | `GET /admin/api/archive/jobs?state=pending,failed,archived&limit&offset` | the queue, newest first, and counts |
/// | `POST /admin/api/archive/jobs/{trackingId}/retry` | makes a pending or failed copy due now |
struct AdminArchiveAPI: Sendable {
    let surface: AdminSurface

    static let keyComment = "sealdrop-archive"

    func addRoutes(to api: RouterGroup<AdminContext>) {
        api.post("archive/check", use: check)
        api.post("archive/key", use: generateKey)
        api.get("archive/key", use: publicKey)
        api.get("archive/jobs", use: jobs)
        api.post("archive/jobs/:trackingId/retry", use: retry)
    }

    func service() throws -> ArchiveService {
        guard let archive = surface.archive else { throw AdminError.notFound("Archiving") }
        return archive
    }

    @Sendable func check(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let buffer = try await request.body.collect(upTo: 256 * 1024)
        var submitted: Any?
        if buffer.readableBytes > 0 {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] else {
                throw AdminError.invalid([FieldProblem("body", "Send a JSON object.")])
            }
            submitted = object["archive"]
        }
        let settings = try AdminAPIController.unsaved("archive", submitted: submitted, secrets: ["password", "privateKey", "privateKeyPassphrase"],
                                                      over: surface.settings.current).archive
        let result = await try service().check(settings)
        try await surface.audit.record(actor: admin.actor, action: "archive.check", target: settings.url.isEmpty ? "archive" : String(settings.url.prefix(200)),
                                       new: result.ok ? "ok" : "failed")
        return AdminAPIController.json(CheckBody(ok: result.ok, steps: result.steps, hostKeyFingerprint: Nullable(result.hostKeyFingerprint),
                                                 hostKeyType: Nullable(result.hostKeyType)))
    }

    @Sendable func generateKey(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        guard let keys = surface.archiveKeys else { throw AdminError.notFound("SSH keys") }
        let key = keys.generate(comment: Self.keyComment)
        _ = try await surface.runtime.apply(patch: ["archive": ["privateKey": key.privateKey, "privateKeyPassphrase": ""]], actor: admin.actor,
                                            allowedKeys: ["archive.privateKey", "archive.privateKeyPassphrase"])
        return AdminAPIController.json(KeyBody(publicKey: Nullable(key.publicLine)))
    }

    @Sendable func publicKey(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        let archive = surface.settings.current.archive
        let line = archive.privateKey.isEmpty ? nil
            : surface.archiveKeys?.publicLine(privateKey: archive.privateKey, passphrase: archive.privateKeyPassphrase, comment: Self.keyComment)
        return AdminAPIController.json(KeyBody(publicKey: Nullable(line)))
    }

    @Sendable func jobs(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewLog)
        let q = request.uri.queryParameters
        var states: Set<ArchiveJob.State>?
        if let text = q["state"].map(String.init), !text.isEmpty {
            var parsed = Set<ArchiveJob.State>()
            for name in text.split(separator: ",") {
                guard let state = ArchiveJob.State(rawValue: String(name)) else {
                    throw AdminError.invalid([FieldProblem("state", "Use pending, failed or archived, separated by commas.")])
                }
                parsed.insert(state)
            }
            states = parsed
        }
        let limit = max(1, min(500, q["limit"].flatMap { Int($0) } ?? 100))
        let offset = max(0, q["offset"].flatMap { Int($0) } ?? 0)
        let (jobs, counts) = try await service().jobs(states: states, limit: limit, offset: offset)
        return AdminAPIController.json(JobsBody(
            counts: Dictionary(uniqueKeysWithValues: ArchiveJob.State.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
            jobs: jobs.map(JobBody.init)))
    }

    @Sendable func retry(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        guard let trackingId = TrackingID(rawValue: try context.parameters.require("trackingId")) else { throw AdminError.notFound("The archive copy") }
        guard try await service().retry(trackingId) else { throw AdminError.notFound("A pending or failed archive copy") }
        try await surface.audit.record(actor: admin.actor, action: "archive.retry", target: trackingId.rawValue, new: "due now")
        return AdminAPIController.json(["retried": true])
    }

    /// `POST /admin/api/archive/check`.
    struct CheckBody: Encodable {
        let ok: Bool
        let steps: [ArchiveCheckStep]
        let hostKeyFingerprint: Nullable<String>
        let hostKeyType: Nullable<String>
    }

    /// `GET|POST /admin/api/archive/key`.
    struct KeyBody: Encodable {
        let publicKey: Nullable<String>
    }

    /// `GET /admin/api/archive/jobs`.
    struct JobsBody: Encodable {
        let counts: [String: Int]
        let jobs: [JobBody]
    }

    /// One archive copy as the API shows it.
    struct JobBody: Encodable {
        let trackingId: String
        let state: String
        let mode: String
        let entries: Int
        let attempts: Int
        let nextAttemptAt: Nullable<String>
        let lastError: Nullable<String>
        let createdAt: String
        let archivedAt: Nullable<String>

        init(_ job: ArchiveJob) {
            trackingId = job.trackingId.rawValue
            state = job.state.rawValue
            mode = job.mode.rawValue
            entries = job.entries.count
            attempts = job.attempts
            nextAttemptAt = Nullable(job.state == .pending ? APIDate.format(job.nextAttemptAt) : nil)
            lastError = Nullable(job.lastError)
            createdAt = APIDate.format(job.createdAt)
            archivedAt = Nullable(job.archivedAt.map { APIDate.format($0) })
        }
    }
}
