import Foundation
import Hummingbird
import Logging
import SealdropCore
import SealdropFormats
import SealdropServices

/// The system log on disk: a page with the newest lines and a level filter, the same as JSON, and a download of the
/// current and rotated files as one ZIP. Roles with `viewSystemLog` (Administrator, Log analyst).
///
/// | route | does |
/// |---|---|
/// | `GET /admin/system-log?level=warning&limit=200&offset=0` | the page, newest first, "older" link |
/// | `GET /admin/api/logs?level=warning&limit=200&offset=0` | `{"entries": [...], "hasMore", "files": [{"name", "size"}]}` |
/// | `GET /admin/api/logs/download` | `sealdrop-logs.zip`: `sealdrop.log`, `sealdrop.log.1`, … as they are now |
struct AdminSystemLogController: Sendable {
    let surface: AdminSurface
    static let defaultLimit = 200

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.signedIn().get("admin/system-log", use: page)
        let api = router.group("admin/api").signedIn()
        api.get("logs", use: entries)
        api.get("logs/download", use: download)
    }

    func reader() throws -> SystemLogReader {
        guard let reader = surface.systemLog else { throw AdminError.notFound("The system log file (SEALDROP_LOG_FILE=off)") }
        return reader
    }

    /// Level, limit and offset of a request; a level that is not one of swift-log's is a problem.
    static func query(_ request: Request) throws -> (level: Logger.Level, limit: Int, offset: Int) {
        let q = request.uri.queryParameters
        var level = Logger.Level.trace
        if let text = q["level"].map(String.init), !text.isEmpty {
            guard let parsed = Logger.Level(rawValue: text.lowercased()) else {
                throw AdminError.invalid([FieldProblem("level", "Use one of trace, debug, info, notice, warning, error, critical.")])
            }
            level = parsed
        }
        let limit = min(max(q["limit"].flatMap { Int($0) } ?? defaultLimit, 1), SystemLogReader.maxLimit)
        let offset = min(max(q["offset"].flatMap { Int($0) } ?? 0, 0), 1_000_000)
        return (level, limit, offset)
    }

    @Sendable func page(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewSystemLog)
        let reader = try reader()
        let (level, limit, offset) = try Self.query(request)
        let page = reader.entries(minimumLevel: level, limit: limit, offset: offset)
        let levels = Logger.Level.allCases.map { SystemLogPage.Level(value: $0.rawValue, selected: $0 == level) }
        return surface.render("system-log", request, admin, SystemLogPage(
            levels: levels, lines: page.entries.map { SystemLogPage.Line(level: $0.level, text: $0.text) }, empty: page.entries.isEmpty,
            older: page.hasMore ? "/admin/system-log?level=\(level.rawValue)&limit=\(limit)&offset=\(offset + limit)" : nil,
            files: reader.files.existing().map { SystemLogPage.File(name: $0.name, size: DisplayFormat.size(Int64($0.size), language: "en")) }))
    }

    /// The `system-log` page model.
    struct SystemLogPage {
        struct Level { let value: String, selected: Bool }
        struct Line { let level: String, text: String }
        struct File { let name: String, size: String }
        let levels: [Level]
        let lines: [Line]
        let empty: Bool
        let older: String?
        let files: [File]
    }

    /// `GET /admin/api/logs`.
    struct EntriesBody: Encodable {
        struct File: Encodable { let name: String, size: UInt64 }
        let entries: [SystemLogEntry]
        let hasMore: Bool
        let files: [File]
    }

    @Sendable func entries(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewSystemLog)
        let reader = try reader()
        let (level, limit, offset) = try Self.query(request)
        let page = reader.entries(minimumLevel: level, limit: limit, offset: offset)
        return AdminAPIController.json(EntriesBody(entries: page.entries, hasMore: page.hasMore,
                                                   files: reader.files.existing().map { .init(name: $0.name, size: $0.size) }))
    }

    @Sendable func download(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewSystemLog)
        let snapshot = try LogSnapshot(files: reader().files)
        try await surface.audit.record(actor: admin.actor, action: "log.download", target: "system-log",
                                       new: snapshot.members.map(\.name).joined(separator: ","))
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = ContentDisposition.attachment(filename: "sealdrop-logs.zip")
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(snapshot.archiveSize)) { writer in
            try await snapshot.write(to: &writer)
            try await writer.finish(nil)
        })
    }
}

/// The log files as they are at one moment: each opened once, so a rotation during the download neither shortens
/// nor lengthens an entry (a renamed or deleted file stays readable through its open handle).
struct LogSnapshot: Sendable {
    /// One file of the archive.
    // @unchecked: the handle is read by the one task writing the response, after this value was built.
    struct Member: @unchecked Sendable {
        let name: String
        let size: UInt64
        let modified: Date
        let handle: FileHandle
    }

    let members: [Member]
    let archiveSize: UInt64

    init(files: SystemLogFiles) throws {
        var members: [Member] = []
        for file in files.existing() {
            guard let handle = FileHandle(forReadingAtPath: file.path) else { continue }
            let size = (try? handle.seekToEnd()) ?? 0
            try? handle.seek(toOffset: 0)
            members.append(Member(name: file.name, size: size, modified: file.modified, handle: handle))
        }
        self.members = members
        archiveSize = ZipStreamWriter.archiveSize(entries: members.map { (name: $0.name, size: $0.size) })
    }

    /// Writes the archive, each member exactly its announced size, closing the files.
    func write(to writer: inout any ResponseBodyWriter) async throws {
        defer { for member in members { try? member.handle.close() } }
        var zip = ZipStreamWriter()
        for member in members {
            try await writer.write(ByteBuffer(bytes: zip.beginEntry(name: member.name, size: member.size, modified: member.modified)))
            var left = member.size
            while left > 0 {
                let chunk = [UInt8](try member.handle.read(upToCount: Int(min(left, 256 * 1024))) ?? Data())
                guard !chunk.isEmpty else { throw SystemLogFileError(path: member.name, errno: EIO) }
                zip.entryData(chunk)
                try await writer.write(ByteBuffer(bytes: chunk))
                left -= UInt64(chunk.count)
            }
            try await writer.write(ByteBuffer(bytes: try zip.endEntry()))
        }
        try await writer.write(ByteBuffer(bytes: zip.finish()))
    }
}
