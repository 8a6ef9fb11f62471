import Foundation
import Hummingbird
import SealdropCore
import SealdropFormats
import SealdropServices

/// The recipient's side (spec §8): information, file list, single files with `Range`, ZIP, EML, checksums.
///
/// Routes (below `/api/transfers/{transfer-id}`, password URL-encoded in `X-CS-Password` or `password`):
/// - `GET` — total size and checksum algorithm
/// - `GET files`, `GET files/{file-id}`
/// - `GET zip`, `GET files/zip`; `GET eml`, `GET files/eml`; `GET checksums`, `GET files/checksums`
struct RecipientController {
    let downloads: DownloadService
    /// Decrypted segments all downloads may hold at once.
    let budget: AsyncBudget
    /// Where a streaming download finds how far its connection has written.
    let sendProgress: SendProgressRegistry

    /// General information about a transfer.
    struct Info: Encodable, Sendable {
        var totalSize: Int64
        var checksumAlgorithm = "SHA-256"
    }

    /// A file as the recipient sees it.
    struct File: Encodable, Sendable {
        var id: String
        var fileName: String
        var size: Int64
        var checksum: String?
        var href: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(fileName, forKey: .fileName)
            try c.encode(size, forKey: .size)
            try c.encode(checksum, forKey: .checksum)
            try c.encode(href, forKey: .href)
        }

        enum CodingKeys: String, CodingKey { case id, fileName, size, checksum, href }
    }

    func addRoutes(to api: RouterGroup<SealdropRequestContext>) {
        api.get("transfers/:transferId", use: info)
        api.get("transfers/:transferId/files", use: files)
        api.get("transfers/:transferId/zip", use: zip)
        api.get("transfers/:transferId/files/zip", use: zip)
        api.get("transfers/:transferId/eml", use: eml)
        api.get("transfers/:transferId/files/eml", use: eml)
        api.get("transfers/:transferId/checksums", use: checksums)
        api.get("transfers/:transferId/files/checksums", use: checksums)
        api.get("transfers/:transferId/files/:fileId", use: file)
    }

    func access(_ request: Request, _ context: SealdropRequestContext) async throws -> DownloadAccess {
        let transferId = try PathVariable.transferId(context)
        _ = try context.apiInfo().requireClientId()
        return try await downloads.open(transferId, password: APIParameter.transferPassword(request))
    }

    @Sendable func info(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<Info> {
        let access = try await access(request, context)
        return Envelope(data: Info(totalSize: access.files.reduce(0) { $0 + $1.size }))
    }

    @Sendable func files(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<[File]> {
        let access = try await access(request, context)
        let info = try context.apiInfo()
        var query = "client-id=\(info.clientId ?? "")&major-api-version=1&minimum-minor-api-version=\(info.minimumMinorVersion)&product-key=\(info.productKey)"
        // Only a password the client itself put in the URL goes back into one: a password sent in the
        // `X-CS-Password` header stays out of hrefs (and so out of logs and histories that keep URLs).
        if let password = request.uri.queryParameters[APIParameter.password.query[...]], !password.isEmpty {
            query = "password=" + (String(password).addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "") + "&" + query
        }
        return Envelope(data: access.files.map {
            File(id: $0.fileId.rawValue, fileName: $0.fileName, size: $0.size, checksum: $0.checksum,
                 href: "/api/transfers/\(access.recipient.transferId.rawValue)/files/\($0.fileId.rawValue)?\(query)")
        })
    }

    @Sendable func file(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let fileId = try PathVariable.fileId(context)
        let access = try await access(request, context)
        guard let record = access.files.first(where: { $0.fileId == fileId }) else { throw SealdropError.notFound("The file") }
        let reader = try downloads.reader(access, fileId: fileId)
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.contentDisposition] = ContentDisposition.attachment(filename: record.fileName)
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "no-store"
        var status = HTTPResponse.Status.ok
        var range: Range<Int64> = 0..<reader.size
        if let header = request.headers[.range] {
            switch ByteRange.parse(header, size: reader.size) {
            case .none: break
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(reader.size)"
                return Response(status: .rangeNotSatisfiable, headers: headers, body: .init())
            case .range(let r):
                range = r
                status = .partialContent
                headers[.contentRange] = "bytes \(r.lowerBound)-\(r.upperBound - 1)/\(reader.size)"
            }
        }
        let firstChunks = try reader.chunks(range: range)
        let downloads = self.downloads
        let budget = self.budget
        let progress = sendProgress.progress(for: context)
        let wholeFile = status == .ok
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: Int(range.count)) { writer in
            // The recipient's first bytes of this file leave a record (and notify the sender) before they
            // are sent, ranges included: an aborted download resumed with `Range: bytes=N-` is not unseen.
            let recorded = (try? await downloads.recordFirstRetrieval(access, fileIds: [fileId]))?.isEmpty == false
            var chunks = firstChunks
            try await chunks.stream(to: &writer, budget: budget, progress: progress)
            try await writer.finish(nil)
            // Each further complete download of the whole file is recorded too; more ranges are not.
            if wholeFile && !recorded { try? await downloads.recordDownload(access, fileIds: [fileId]) }
        })
    }

    @Sendable func zip(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let access = try await access(request, context)
        let q = request.uri.queryParameters
        let withChecksums = try Self.bool(q["include-checksum-file"], name: "include-checksum-file") ?? false
        let include = try Self.bool(q["is-customized-files-ids-include"], name: "is-customized-files-ids-include") ?? true
        var chosen = access.files
        let listed = q.getAll("customized-files-ids").flatMap { $0.split(separator: ",") }.map { String($0).trimmingCharacters(in: .whitespaces) }
        if !listed.isEmpty {
            let ids = try listed.map {
                guard let id = FileID(rawValue: $0) else { throw SealdropError.malformed("customized-files-ids holds an invalid file id") }
                return id
            }
            chosen = chosen.filter { include == ids.contains($0.fileId) }
        }
        let selected = chosen
        let language = try context.apiInfo().language
        let stream = try ZipStream(access: access, files: selected, includeChecksums: withChecksums && downloads.settings.current.policy.checksumsEnabled,
                                   language: language, downloads: downloads,
                                   budget: budget, progress: sendProgress.progress(for: context))
        return stream.response()
    }

    @Sendable func checksums(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let access = try await access(request, context)
        let csv = ChecksumsCSV.render(rows: access.files.map { ($0.fileName, $0.checksum ?? "") }, language: try context.apiInfo().language)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = ContentDisposition.attachment(filename: "checksums.csv")
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    @Sendable func eml(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let access = try await access(request, context)
        guard let messageId = access.transfer.settings.confidentialMessageFileId,
              access.files.contains(where: { $0.fileId == messageId }) else { throw SealdropError.notFound("The confidential message") }
        var threshold: Int64?
        if let raw = request.uri.queryParameters["threshold"] {
            guard let mb = Int64(raw), mb >= 1, mb <= 1_000_000 else { throw SealdropError.malformed("threshold must be a positive number of MB") }
            threshold = mb * 1024 * 1024
        }
        var attachments: [FileRecord] = []
        var used: Int64 = 0
        for file in access.files where file.fileId != messageId {
            if let threshold, used + file.size > threshold { continue }
            used += file.size
            attachments.append(file)
        }
        let builder = EMLStream(access: access, messageFileId: messageId, attachments: attachments, downloads: downloads)
        var headers = HTTPFields()
        headers[.contentType] = "message/rfc822"
        headers[.contentDisposition] = ContentDisposition.attachment(filename: "message-\(access.recipient.transferId.rawValue).eml")
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await builder.write(to: &writer)
            try await writer.finish(nil)
        })
    }

    static func bool(_ value: Substring?, name: String) throws -> Bool? {
        guard let value else { return nil }
        guard let parsed = Bool(String(value).lowercased()) else { throw SealdropError.malformed("\(name) must be true or false") }
        return parsed
    }
}

/// A parsed single `Range: bytes=…` header.
enum ByteRange: Equatable {
    case none
    case unsatisfiable
    case range(Range<Int64>)

    /// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n`; several ranges or other units are ignored (full body).
    static func parse(_ header: String, size: Int64) -> ByteRange {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes="), !text.contains(",") else { return .none }
        let spec = text.dropFirst(6)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .none }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]), suffix >= 0 else { return .none }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .range(max(0, size - suffix)..<size)
        }
        guard let first = Int64(parts[0]), first >= 0 else { return .none }
        let last: Int64
        if parts[1].isEmpty {
            last = size - 1
        } else {
            guard let value = Int64(parts[1]), value >= first else { return .none }
            last = min(value, size - 1)
        }
        guard first < size else { return .unsatisfiable }
        return .range(first..<(last + 1))
    }
}
