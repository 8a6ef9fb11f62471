import Foundation
import Hummingbird
import SealdropCore
import SealdropFormats
import SealdropServices

/// Streams the files of a transfer as a stored ZIP with an exact, precomputed length (spec §8.4).
struct ZipStream: Sendable {
    /// One archive member: a file, or the checksum list.
    struct Entry: Sendable {
        var name: String
        var size: UInt64
        var reader: PlaintextReader?
    }

    let entries: [Entry]
    let checksums: [UInt8]?
    let modified: Date
    let access: DownloadAccess
    let fileIds: [FileID]
    let downloads: DownloadService
    let budget: AsyncBudget
    let progress: SendProgress?
    let totalSize: UInt64

    init(access: DownloadAccess, files: [FileRecord], includeChecksums: Bool, language: String, downloads: DownloadService,
         budget: AsyncBudget, progress: SendProgress?) throws {
        var used = Set<String>()
        var entries: [Entry] = []
        for file in files {
            let base = FileName.zipEntryName(file.fileName)
            var name = base
            var n = 2
            while used.contains(name.lowercased()) {
                name = "\(n)_\(base)"
                n += 1
            }
            used.insert(name.lowercased())
            entries.append(Entry(name: name, size: UInt64(file.size), reader: try downloads.reader(access, fileId: file.fileId)))
        }
        var checksums: [UInt8]?
        if includeChecksums {
            let csv = Array(ChecksumsCSV.render(rows: files.map { ($0.fileName, $0.checksum ?? "") }, language: language).utf8)
            entries.append(Entry(name: used.contains("checksums.csv") ? "sealdrop-checksums.csv" : "checksums.csv", size: UInt64(csv.count), reader: nil))
            checksums = csv
        }
        self.entries = entries
        self.checksums = checksums
        self.modified = access.transfer.finalizedAt ?? Date()
        self.access = access
        self.fileIds = files.map(\.fileId)
        self.downloads = downloads
        self.budget = budget
        self.progress = progress
        self.totalSize = ZipStreamWriter.archiveSize(entries: entries.map { (name: $0.name, size: $0.size) })
    }

    /// The streamed archive as a download named after the recipient's transfer id.
    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = ContentDisposition.attachment(filename: "transfer-\(access.recipient.transferId.rawValue).zip")
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(totalSize)) { writer in
            try await write(to: &writer)
            try await writer.finish(nil)
        })
    }

    func write(to writer: inout any ResponseBodyWriter) async throws {
        // Files this recipient never retrieved are recorded before their bytes go out: an archive cut off
        // before its central directory already holds them whole.
        let recorded = (try? await downloads.recordFirstRetrieval(access, fileIds: fileIds)) ?? []
        var zip = ZipStreamWriter()
        for entry in entries {
            try await writer.write(ByteBuffer(bytes: zip.beginEntry(name: entry.name, size: entry.size, modified: modified)))
            if let reader = entry.reader {
                var chunks = try reader.chunks()
                try await chunks.stream(to: &writer, budget: budget, progress: progress) { zip.entryData($0) }
            } else if let checksums {
                zip.entryData(checksums)
                try await writer.write(ByteBuffer(bytes: checksums))
            }
            try await writer.write(ByteBuffer(bytes: try zip.endEntry()))
        }
        try await writer.write(ByteBuffer(bytes: zip.finish()))
        let again = fileIds.filter { !recorded.contains($0) }
        if !again.isEmpty { try? await downloads.recordDownload(access, fileIds: again) }
    }
}
