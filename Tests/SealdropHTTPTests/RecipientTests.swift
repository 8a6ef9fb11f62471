import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropHTTP

/// The recipient's side (spec §8): information, files, ranges, ZIP, EML, checksums and download protection.
@Suite struct RecipientTests {
    static let content: [UInt8] = Array("0123456789".utf8)
    static let files: [(String, [UInt8])] = [("digits.txt", content), ("Grüße €.txt", Array("Hallo".utf8))]

    @Test func infoHasTotalSizeAndAlgorithm() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)", password: sent.password)
            #expect(r.status == .ok)
            #expect(r.data["totalSize"] as? Int == 15)
            #expect(r.data["checksumAlgorithm"] as? String == "SHA-256")
            // Password as query parameter, percent-encoded.
            let encoded = sent.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let q = try await api.send(.get, "/api/transfers/\(sent.transferId)?password=\(encoded)")
            #expect(q.status == .ok)
        }
    }

    @Test func everyRecipientHasOwnTransferId() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org", "carol@example.net"])
            #expect(sent.transferIds.count == 2)
            for id in sent.transferIds {
                #expect(try await api.send(.get, "/api/transfers/\(id)", password: sent.password).status == .ok)
            }
        }
    }

    @Test func fileListWithHref() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/files", password: sent.password)
            #expect(r.status == .ok)
            let files = r.list
            #expect(files.count == 2)
            let first = try #require(files.first { $0["fileName"] as? String == "digits.txt" })
            #expect(first["size"] as? Int == 10)
            #expect(first["checksum"] as? String == TestData.sha256(Self.content))
            let id = try #require(first["id"] as? String)
            let href = try #require(first["href"] as? String)
            #expect(href.hasPrefix("/api/transfers/\(sent.transferId)/files/\(id)"))
            #expect(files.contains { $0["fileName"] as? String == "Grüße €.txt" })
        }
    }

    /// L8: `href` carries `password=` only when the client sent the password in the query; with the
    /// `X-CS-Password` header it stays out of the URL. Either way the other general parameters are there,
    /// and the query form's href alone (no headers) downloads the file.
    @Test func hrefCarriesThePasswordOnlyForTheQueryForm() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let encoded = try #require(sent.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            func href(_ r: TestResponse) throws -> String {
                try #require(r.list.first { $0["fileName"] as? String == "digits.txt" }?["href"] as? String)
            }
            let viaHeader = try await api.send(.get, "/api/transfers/\(sent.transferId)/files", password: sent.password)
            #expect(viaHeader.status == .ok)
            let headerHref = try href(viaHeader)
            #expect(!headerHref.contains("password="), "\(headerHref)")
            #expect(!headerHref.contains(encoded) && !headerHref.contains(sent.password))
            #expect(headerHref.contains("client-id=") && headerHref.contains("product-key="))
            #expect(try await api.send(.get, headerHref, rawHeaders: [:]).status != .ok)

            let viaQuery = try await api.send(.get, "/api/transfers/\(sent.transferId)/files?password=\(encoded)")
            #expect(viaQuery.status == .ok)
            let queryHref = try href(viaQuery)
            #expect(queryHref.contains("password="), "\(queryHref)")
            let alone = try await api.send(.get, queryHref, rawHeaders: [:])
            #expect(alone.status == .ok)
            #expect(alone.bytes == Self.content)
        }
    }

    @Test func hrefWorksForPasswordsWithReservedAndNonASCIICharacters() async throws {
        try await TestServer.run { api in
            let sender = "alice@example.com"
            let password = "Vt7#kRm2!pQz+ü&x=1%"
            let token = try await api.verify(sender)
            let id = try await api.createSession(sender, token: token)
            _ = try await api.addFile(sender, token: token, trackingId: id, name: "a.txt", bytes: Array("abc".utf8))
            let check = try await api.send(.post, "/api/password", json: #"{"password":\#(JSONText.quote(password))}"#)
            try #require(check.data["valid"] as? Bool == true, "\(check.text)")
            try await api.setPassword(sender, token: token, trackingId: id, password: password)
            let transferId = try #require(try await api.finalize(sender, token: token, trackingId: id).first)
            let encoded = try #require(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let list = try await api.send(.get, "/api/transfers/\(transferId)/files?password=\(encoded)")
            let href = try #require(list.list.first?["href"] as? String)
            #expect(href.allSatisfy { $0.isASCII }, "\(href)")
            let r = try await api.send(.get, href, rawHeaders: [:])
            #expect(r.status == .ok, "\(r.text)")
            #expect(r.text == "abc")
        }
    }

    @Test func singleFileDownload() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[1])", password: sent.password)
            #expect(r.status == .ok)
            #expect(r.bytes == Array("Hallo".utf8))
            #expect(r.headers[.contentType] == "application/octet-stream")
            #expect(r.headers[.contentLength] == "5")
            let disposition = try #require(r.headers[.contentDisposition])
            #expect(disposition.hasPrefix("attachment"))
            #expect(disposition.contains("filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%E2%82%AC.txt"), "\(disposition)")
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/files/ABCDEFGHJK", password: sent.password), 404, 2003)
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/files/bad!", password: sent.password), 400, 1005)
        }
    }

    @Test func rangeRequests() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let path = "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])"
            let mid = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=2-5"])
            #expect(mid.status == .partialContent)
            #expect(mid.text == "2345")
            #expect(mid.headers[.contentRange] == "bytes 2-5/10")
            #expect(mid.headers[.contentLength] == "4")
            let suffix = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=-3"])
            #expect(suffix.status == .partialContent)
            #expect(suffix.text == "789")
            #expect(suffix.headers[.contentRange] == "bytes 7-9/10")
            let open = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=8-"])
            #expect(open.text == "89")
            let clipped = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=5-100"])
            #expect(clipped.text == "56789")
            #expect(clipped.headers[.contentRange] == "bytes 5-9/10")
            let unsatisfiable = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=10-20"])
            #expect(unsatisfiable.status == .rangeNotSatisfiable)
            #expect(unsatisfiable.headers[.contentRange] == "bytes */10")
            // Unparseable or multi-ranges fall back to the whole file.
            let multi = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=0-1,3-4"])
            #expect(multi.status == .ok)
            #expect(multi.bytes == Self.content)
            let garbage = try await api.send(.get, path, password: sent.password, headers: ["Range": "lines=1-2"])
            #expect(garbage.status == .ok)
        }
    }

    /// L7: a recipient who takes a file through byte ranges only (as after an aborted whole download,
    /// `Range: bytes=N-`) leaves the download record and sender notification a whole download leaves; more
    /// ranges add nothing, and each later complete download of the whole file is recorded as before.
    @Test func aRangeOnlyDownloadIsRecordedAndNotified() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let path = "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])"
            /// The sender's view: downloads of the file by the recipient, and download notifications queued.
            func recorded() async throws -> (downloads: Int, mails: Int) {
                let r = try await api.send(.get, "/api/users/\(sent.sender)/transfers/\(sent.trackingId)", token: sent.token)
                let recipient = ((r.data["status"] as? [String: Any])?["recipients"] as? [[String: Any]])?.first
                let file = (recipient?["fileDownloads"] as? [[String: Any]])?.first { $0["id"] as? String == sent.fileIds[0] }
                let mails = try await api.server.database.recentMessages(limit: 100).filter { $0.kind == "download-notification" }
                return ((file?["downloads"] as? [Any])?.count ?? 0, mails.count)
            }
            #expect(try await recorded() == (0, 0))
            let tail = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=4-"])
            #expect(tail.status == .partialContent && tail.text == "456789")
            #expect(try await recorded() == (1, 1))
            let head = try await api.send(.get, path, password: sent.password, headers: ["Range": "bytes=0-3"])
            #expect(head.status == .partialContent && head.text == "0123")
            #expect(try await recorded() == (1, 1))
            let whole = try await api.send(.get, path, password: sent.password)
            #expect(whole.status == .ok && whole.bytes == Self.content)
            #expect(try await recorded() == (2, 1))
        }
    }

    /// A connection that breaks off at the first write `breaks` picks (given the bytes written before it).
    struct BreakingWriter: ResponseBodyWriter {
        struct Broken: Error {}
        let breaks: (_ buffer: ByteBuffer, _ before: Int) -> Bool
        var written = 0

        mutating func write(_ buffer: ByteBuffer) async throws {
            if breaks(buffer, written) { throw Broken() }
            written += buffer.readableBytes
        }

        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// L7: a ZIP cut off just before its end already holds every file whole, so each file's first retrieval
    /// is recorded (one notification) before the bytes go out; a complete archive later adds one record per file.
    @Test func aZipCutOffBeforeItsEndIsRecorded() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let downloads = api.server.downloads
            let access = try await downloads.open(try #require(TransferID(rawValue: sent.transferId)), password: sent.password)
            let trackingId = try #require(TrackingID(rawValue: sent.trackingId))
            func recorded() async throws -> (files: [String], mails: Int) {
                let files = try await api.server.database.downloads(of: trackingId).map(\.fileId.rawValue).sorted()
                let mails = try await api.server.database.recentMessages(limit: 100).filter { $0.kind == "download-notification" }
                return (files, mails.count)
            }
            let zip = try ZipStream(access: access, files: access.files, includeChecksums: false, language: "en", downloads: downloads,
                                    budget: AsyncBudget(limit: 8), progress: nil)
            let size = Int(zip.totalSize)
            var writer: any ResponseBodyWriter = BreakingWriter { buffer, before in before + buffer.readableBytes >= size }
            await #expect(throws: BreakingWriter.Broken.self) { try await zip.write(to: &writer) }
            #expect(try await recorded() == (sent.fileIds.sorted(), 1))
            let whole = try await api.send(.get, "/api/transfers/\(sent.transferId)/zip", password: sent.password)
            #expect(whole.status == .ok)
            #expect(try await recorded() == ((sent.fileIds + sent.fileIds).sorted(), 1))
        }
    }

    /// L7: the same for an EML cut off before its closing boundary: message and attachment are recorded.
    @Test func anEMLCutOffBeforeItsEndIsRecorded() async throws {
        try await TestServer.run { api in
            let sender = "alice@example.com"
            let token = try await api.verify(sender)
            let id = try await api.createSession(sender, token: token)
            let message = try await api.addFile(sender, token: token, trackingId: id, name: "message.txt", bytes: Array("Secret note".utf8))
            let attachment = try await api.addFile(sender, token: token, trackingId: id, name: "attachment.txt", bytes: Array("attached bytes".utf8))
            let patch = try await api.send(.patch, "/api/users/\(sender)/transfer-sessions/\(id)", token: token,
                                           json: #"{"confidentialMessageFileId":"\#(message)"}"#)
            #expect(patch.status == .ok)
            try await api.setPassword(sender, token: token, trackingId: id, password: TestData.password)
            let transferId = try #require(try await api.finalize(sender, token: token, trackingId: id).first)
            let access = try await api.server.downloads.open(try #require(TransferID(rawValue: transferId)), password: TestData.password)
            let eml = EMLStream(access: access, messageFileId: try #require(FileID(rawValue: message)),
                                attachments: access.files.filter { $0.fileId.rawValue == attachment }, downloads: api.server.downloads)
            // The closing boundary is the only write that ends in "--\r\n" (base64 lines never do).
            var writer: any ResponseBodyWriter = BreakingWriter { buffer, _ in String(buffer: buffer).hasSuffix("--\r\n") }
            await #expect(throws: BreakingWriter.Broken.self) { try await eml.write(to: &writer) }
            let trackingId = try #require(TrackingID(rawValue: id))
            #expect(try await api.server.database.downloads(of: trackingId).map(\.fileId.rawValue).sorted() == [message, attachment].sorted())
            #expect(try await api.server.database.recentMessages(limit: 100).filter { $0.kind == "download-notification" }.count == 1)
        }
    }

    /// Entry names from the ZIP central directory (`PK\u{1}\u{2}` headers).
    static func zipEntries(_ bytes: [UInt8]) -> [String] {
        var names: [String] = []
        var i = 0
        while i + 46 <= bytes.count {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x01, bytes[i + 3] == 0x02 {
                let length = Int(bytes[i + 28]) | Int(bytes[i + 29]) << 8
                if i + 46 + length <= bytes.count {
                    names.append(String(decoding: bytes[(i + 46)..<(i + 46 + length)], as: UTF8.self))
                }
                i += 46 + length
            } else {
                i += 1
            }
        }
        return names
    }

    @Test(arguments: ["zip", "files/zip"])
    func zipDownload(path: String) async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/\(path)", password: sent.password)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/zip")
            #expect(Array(r.bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
            #expect(r.headers[.contentLength] == String(r.body.readableBytes))
            #expect(r.headers[.contentDisposition]?.contains(".zip") == true)
            let names = Self.zipEntries(r.bytes)
            #expect(Set(names) == ["digits.txt", "Grüße €.txt"], "\(names)")
            let text = String(decoding: r.bytes, as: UTF8.self)
            #expect(text.contains("0123456789"))
            // End of central directory at the end.
            #expect(r.bytes.count > 22)
        }
    }

    @Test func zipWithChecksumFileAndSelection() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/zip?include-checksum-file=true", password: sent.password)
            #expect(r.status == .ok)
            #expect(r.headers[.contentLength] == String(r.body.readableBytes))
            let names = Self.zipEntries(r.bytes)
            #expect(names.contains("checksums.csv"), "\(names)")
            #expect(String(decoding: r.bytes, as: UTF8.self).contains(TestData.sha256(Self.content)))
            let only = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/zip?customized-files-ids=\(sent.fileIds[0])", password: sent.password)
            #expect(Self.zipEntries(only.bytes) == ["digits.txt"])
            let except = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/zip?customized-files-ids=\(sent.fileIds[0])&is-customized-files-ids-include=false", password: sent.password)
            #expect(Self.zipEntries(except.bytes) == ["Grüße €.txt"])
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/zip?include-checksum-file=perhaps", password: sent.password), 400, 1004)
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/zip?customized-files-ids=../x", password: sent.password), 400, 1004)
        }
    }

    @Test(arguments: ["checksums", "files/checksums"])
    func checksumsCSV(path: String) async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(files: Self.files)
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/\(path)", password: sent.password)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = r.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.count == 3)
            #expect(lines.contains("digits.txt;\(TestData.sha256(Self.content))"))
            let german = try await api.send(.get, "/api/transfers/\(sent.transferId)/\(path)", password: sent.password, headers: ["Accept-Language": "de"])
            #expect(german.text.hasPrefix("Dateiname"))
        }
    }

    @Test func emlWithoutConfidentialMessageIs404() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/eml", password: sent.password), 404, 2003)
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/files/eml", password: sent.password), 404, 2003)
        }
    }

    @Test(arguments: ["eml", "files/eml"])
    func emlWithConfidentialMessage(path: String) async throws {
        try await TestServer.run { api in
            let sender = "alice@example.com"
            let token = try await api.verify(sender)
            let id = try await api.createSession(sender, token: token)
            let message = try await api.addFile(sender, token: token, trackingId: id, name: "message.html", bytes: Array("<p>Secret note</p>".utf8))
            _ = try await api.addFile(sender, token: token, trackingId: id, name: "attachment.txt", bytes: Array("attached bytes".utf8))
            let patch = try await api.send(.patch, "/api/users/\(sender)/transfer-sessions/\(id)", token: token,
                                           json: #"{"confidentialMessageFileId":"\#(message)"}"#)
            #expect(patch.status == .ok)
            try await api.setPassword(sender, token: token, trackingId: id, password: TestData.password)
            let transferId = try #require(try await api.finalize(sender, token: token, trackingId: id).first)
            let r = try await api.send(.get, "/api/transfers/\(transferId)/\(path)", password: TestData.password)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("message/rfc822") == true)
            let text = r.text
            #expect(text.contains("MIME-Version: 1.0"))
            #expect(text.contains("attachment.txt"))
            expectError(try await api.send(.get, "/api/transfers/\(transferId)/\(path)?threshold=abc", password: TestData.password), 400, 1004)
            let small = try await api.send(.get, "/api/transfers/\(transferId)/\(path)?threshold=1", password: TestData.password)
            #expect(small.status == .ok)
        }
    }

    @Test func unknownAndMalformedTransferIds() async throws {
        try await TestServer.run { api in
            _ = try await api.sendTransfer()
            for suffix in ["", "/files", "/zip", "/files/zip", "/checksums", "/eml"] {
                expectError(try await api.send(.get, "/api/transfers/ABCDEFGHJK\(suffix)", password: "x"), 404, 2003)
                expectError(try await api.send(.get, "/api/transfers/short\(suffix)", password: "x"), 400, 1005)
                expectError(try await api.send(.get, "/api/transfers/ABCDEFGHJ-\(suffix)", password: "x"), 400, 1005)
            }
        }
    }

    @Test func wrongAndMissingPassword() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            for suffix in ["", "/files", "/files/\(sent.fileIds[0])", "/zip", "/checksums"] {
                expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)\(suffix)", password: "Wrong#Pass9"), 401, 3003)
                expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)\(suffix)"), 400, 1002)
                expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)\(suffix)", password: ""), 400, 1002)
            }
            // Wrong attempts are forgotten after a success (default limit 10 not reached across the loop above).
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferId)", password: sent.password).status == .ok)
        }
    }

    @Test func lockAfterMaxAttempts() async throws {
        try await TestServer.run(settings: #"{"downloadProtection": {"maxAttempts": 2, "action": "lock"}}"#) { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org", "carol@example.net"])
            let path = "/api/transfers/\(sent.transferId)"
            expectError(try await api.send(.get, path, password: "Wrong#Pass1"), 401, 3003)
            expectError(try await api.send(.get, path, password: "Wrong#Pass2"), 403, 2005)
            // While locked, even the right password is refused.
            expectError(try await api.send(.get, path, password: sent.password), 403, 2005)
            expectError(try await api.send(.get, path + "/files/\(sent.fileIds[0])", password: sent.password), 403, 2005)
            // The other recipient is not locked.
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferIds[1])", password: sent.password).status == .ok)
            let mails = try await api.server.database.recentMessages(limit: 10)
            #expect(mails.contains { $0.kind == "download-protection" && $0.envelopeTo == [sent.sender] })
        }
    }

    @Test func successResetsFailedAttempts() async throws {
        try await TestServer.run(settings: #"{"downloadProtection": {"maxAttempts": 2, "action": "lock"}}"#) { api in
            let sent = try await api.sendTransfer()
            let path = "/api/transfers/\(sent.transferId)"
            expectError(try await api.send(.get, path, password: "Wrong#Pass1"), 401, 3003)
            #expect(try await api.send(.get, path, password: sent.password).status == .ok)
            expectError(try await api.send(.get, path, password: "Wrong#Pass2"), 401, 3003)
        }
    }

    @Test func deleteAfterMaxAttempts() async throws {
        try await TestServer.run(settings: #"{"downloadProtection": {"maxAttempts": 2, "action": "delete"}}"#) { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org", "carol@example.net"])
            let path = "/api/transfers/\(sent.transferId)"
            expectError(try await api.send(.get, path, password: "Wrong#Pass1"), 401, 3003)
            expectError(try await api.send(.get, path, password: "Wrong#Pass2"), 410, 2006)
            expectError(try await api.send(.get, path, password: sent.password), 404, 2003)
            // The whole transfer is gone, for every recipient.
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferIds[1])", password: sent.password), 404, 2003)
            let details = try await api.send(.get, "/api/users/\(sent.sender)/transfers/\(sent.trackingId)", token: sent.token)
            #expect((details.data["status"] as? [String: Any])?["state"] as? String == "DELETED_BY_SECURITY")
            #expect(!api.dataDirectoryEntries().contains { $0.hasSuffix(".blob") })
            let mails = try await api.server.database.recentMessages(limit: 10)
            #expect(mails.contains { $0.kind == "download-protection" && $0.envelopeTo == [sent.sender] })
        }
    }

    @Test func requestWithoutPasswordDoesNotCountAsAttempt() async throws {
        try await TestServer.run(settings: #"{"downloadProtection": {"maxAttempts": 1, "action": "lock"}}"#) { api in
            let sent = try await api.sendTransfer()
            for _ in 0..<3 { expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)"), 400, 1002) }
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferId)", password: sent.password).status == .ok)
        }
    }

    @Test func recipientEndpointsNeedNoVerification() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/files", clientId: API.newClientId(), password: sent.password)
            #expect(r.status == .ok)
        }
    }
}
