import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import SealdropHTTP
import SealdropServices
import Testing

/// Logs (and so the admin status page's recent lines) never carry a recipient's transfer id, the secret of
/// the download link, nor a file id: only their `LogRef`.
@Suite struct LogRedactionTests {
    @Test func downloadsLeaveNoTransferOrFileIdInTheLog() async throws {
        let lines = RecentLogLines(capacity: 5000)
        let logger = Logger(label: "sealdrop") { lines.handler(label: $0) }
        let test = try TestServer.make(logger: logger)
        defer { try? FileManager.default.removeItem(atPath: test.directory) }
        let app = Application(router: test.server.userRouter(), logger: logger)
        let sent = try await app.test(.router) { client in
            let api = API(client: client, server: test.server, dataDirectory: test.directory + "/data")
            let sent = try await api.sendTransfer(files: [("a.txt", Array("one".utf8)), ("b.txt", Array("two".utf8))])
            // REST downloads: one file, the ZIP, and a wrong password (which is logged with the recipient).
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])", password: sent.password).status == .ok)
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferId)/zip", password: sent.password).status == .ok)
            _ = try await api.send(.get, "/api/transfers/\(sent.transferId)", password: "wrong")
            _ = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[1])/nothing-here", password: sent.password)
            // The pages: the link, the password, the files.
            let browser = RetrievePagesTests.Browser(api)
            let form = try await browser.request(.get, "/download?id=\(sent.transferId)")
            _ = try await browser.request(.post, "/download", form: ["id": sent.transferId, "password": sent.password, "csrf": try browser.csrf(in: form)])
            #expect(try await browser.request(.get, "/download/file?id=\(sent.transferId)&file=\(sent.fileIds[1])").status == .ok)
            return sent
        }
        let log = lines.recent(5000).joined(separator: "\n")
        #expect(log.contains("http.request"))
        #expect(log.contains("transfer.ref=\(LogRef.of(sent.transferId))"))
        #expect(log.contains("/api/transfers/~\(LogRef.of(sent.transferId))/files/~\(LogRef.of(sent.fileIds[0]))"))
        for id in sent.transferIds + sent.fileIds {
            #expect(!log.contains(id), "\(id) is in the log")
        }
    }

    @Test func pathsAreRedactedByRouteOrByShape() {
        let parameters: Parameters = ["email": "alice@example.com", "trackingId": "20240522-065711-H8UoUSI6", "fileId": "a58dFp1Tr7"]
        #expect(RequestLogMiddleware.loggedPath("/api/users/alice@example.com/transfer-sessions/20240522-065711-H8UoUSI6/files/a58dFp1Tr7/content",
                                                parameters: parameters)
            == "/api/users/alice@example.com/transfer-sessions/20240522-065711-H8UoUSI6/files/~\(LogRef.of("a58dFp1Tr7"))/content")
        // Unmatched: any segment shaped like an id.
        #expect(RequestLogMiddleware.loggedPath("/api/transfers/5yVluOW8NR/what", parameters: [:])
            == "/api/transfers/~\(LogRef.of("5yVluOW8NR"))/what")
        #expect(RequestLogMiddleware.loggedPath("/download", parameters: [:]) == "/download")
        #expect(LogRef.of("5yVluOW8NR").count == 8)
    }
}
