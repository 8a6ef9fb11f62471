import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The backup part of the admin API (settings are the generic section `backup`; "back up now" is the task list's
/// run-now of the task `backup`):
///
/// | route | does |
/// |---|---|
/// | `GET /admin/api/backups` | the backups in `backup.directory`, newest first: name, created, size, files, state |
struct AdminBackupAPI: Sendable {
    let surface: AdminSurface

    func addRoutes(to api: RouterGroup<AdminContext>) {
        api.get("backups", use: list)
    }

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewStatus)
        guard let backups = surface.backups else { throw AdminError.notFound("Backups") }
        let directory = surface.settings.current.backup.directory
        let listed = directory.isEmpty ? [] : try await backups.list(directory)
        return AdminAPIController.json(ListBody(directory: Nullable(directory.isEmpty ? nil : directory), backups: listed.map(BackupBody.init)))
    }

    /// `GET /admin/api/backups`.
    struct ListBody: Encodable {
        let directory: Nullable<String>
        let backups: [BackupBody]
    }

    /// One backup as the API shows it.
    struct BackupBody: Encodable {
        let name: String
        /// `complete` (a manifest that reads; `sealdrop backup verify` checks every file), `partial` or `invalid`.
        let state: String
        let createdAt: Nullable<String>
        let size: Int64
        let files: Int
        let includesServerKey: Bool

        init(_ listing: BackupListing) {
            name = listing.name
            state = listing.state.rawValue
            createdAt = Nullable(listing.createdAt.map { APIDate.format($0) })
            size = listing.size
            files = listing.files
            includesServerKey = listing.includesServerKey
        }
    }
}
