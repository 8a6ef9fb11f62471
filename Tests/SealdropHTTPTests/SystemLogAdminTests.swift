import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// The System log page and API over the files in `<data dir>/logs`: level filter, paging, download, and the roles
/// that may read them.
@Suite struct SystemLogAdminTests {
    /// Writes `count` lines (levels cycling debug, info, warning, error) into the server's log files, rotating.
    static func seed(_ server: SealdropServer, count: Int) throws {
        var files = try #require(server.configuration.logging.file)
        files.maxBytes = 1500
        let writer = SystemLogWriter(files: files)
        try writer.start()
        let levels: [Logger.Level] = [.debug, .info, .warning, .error]
        for i in 0..<count {
            writer.write(SystemLogLine.json(date: Date(), level: levels[i % 4], label: "sealdrop", message: "seeded.line",
                                            metadata: ["i": "\(i)"])!)
            writer.flush()
        }
        writer.close()
    }

    @Test func logAnalystsReadFilterAndDownloadTheLogAndConfigAdminsMayNot() async throws {
        try await AdminClient.run { admin in
            var admin = admin
            #expect(admin.server.configuration.logging.file?.directory == admin.server.configuration.dataDirectory + "/logs")
            try Self.seed(admin.server, count: 40)
            try await admin.login("lena", role: .logAnalyst)
            let r = try await admin.send(.get, "/admin/api/logs?level=warning&limit=5")
            #expect(r.status == .ok)
            let body = try AdminClient.json(r)
            let entries = try #require(body["entries"] as? [[String: Any]])
            #expect(entries.compactMap { ($0["metadata"] as? [String: String])?["i"] } == ["39", "38", "35", "34", "31"])
            #expect(entries.allSatisfy { ["warning", "error"].contains($0["level"] as? String ?? "") })
            #expect(body["hasMore"] as? Bool == true)
            #expect(((body["files"] as? [[String: Any]])?.count ?? 0) > 1, "rotated files are listed")
            let bad = try await admin.send(.get, "/admin/api/logs?level=loud")
            #expect(bad.status == .badRequest)
            #expect(try AdminClient.json(bad)["errorCode"] as? String == "invalid")

            let page = try await admin.send(.get, "/admin/system-log?level=error&limit=3")
            #expect(page.status == .ok)
            #expect(page.text.contains("seeded.line i=39") && !page.text.contains("seeded.line i=38") && page.text.contains("id=\"system-log-older\""))
            #expect(page.text.contains("href=\"/admin/system-log\""), "the menu offers the page")

            let zip = try await admin.send(.get, "/admin/api/logs/download")
            #expect(zip.status == .ok && zip.headers[.contentType] == "application/zip")
            #expect(zip.bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
            let text = String(decoding: zip.bytes, as: UTF8.self)
            #expect(text.contains("sealdrop.log.1") && text.contains("\"i\":\"0\"") && text.contains("\"i\":\"39\""))
            #expect(zip.bytes.count == Int(zip.headers[.contentLength] ?? "") ?? -1)
        }
        try await AdminClient.run { admin in
            var admin = admin
            try await admin.login("cora", role: .configAdmin)
            #expect(try await admin.send(.get, "/admin/api/logs").status == .forbidden)
            #expect(try await admin.send(.get, "/admin/api/logs/download").status == .forbidden)
            #expect(try await admin.send(.get, "/admin/system-log").status == .forbidden)
        }
    }
}
