import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// Files of a transfer session and finalize (spec §6.5, §6.7–6.9).
@Suite struct FileTests {
    let alice = "alice@example.com"

    func sessionPath(_ trackingId: String) -> String { "/api/users/\(alice)/transfer-sessions/\(trackingId)" }

    /// The files array of the session.
    func files(_ api: API, _ token: String, _ id: String) async throws -> [[String: Any]] {
        try #require(try await api.send(.get, sessionPath(id), token: token).data["files"] as? [[String: Any]])
    }

    @Test func registerReturns201WithLocationAndFileId() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let r = try await api.send(.post, sessionPath(id) + "/files", token: token,
                                       json: #"{"fileName":"report.pdf","size":5,"checksum":"\#(TestData.sha256(Array("hello".utf8)))"}"#)
            #expect(r.status == .created)
            let fileId = try #require(r.data["fileId"] as? String)
            #expect(fileId.count == 10)
            #expect(fileId.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            #expect(r.headers[.location] == "https://sealdrop.test\(sessionPath(id))/files/\(fileId)")
            let listed = try await files(api, token, id)
            #expect(listed.count == 1)
            #expect(listed.first?["id"] as? String == fileId)
            #expect(listed.first?["fileName"] as? String == "report.pdf")
            #expect(listed.first?["size"] as? Int == 5)
            #expect(listed.first?["state"] as? String == "INITIALIZED")
            #expect((listed.first?["href"] as? String)?.hasSuffix("/files/\(fileId)") == true)
        }
    }

    @Test func duplicateNameIs2001() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            _ = try await api.registerFile(alice, token: token, trackingId: id, name: "a.txt", size: 1)
            let r = try await api.send(.post, sessionPath(id) + "/files", token: token, json: #"{"fileName":"a.txt","size":2}"#)
            expectError(r, 409, 2001)
        }
    }

    @Test func sizeOverMaximumIs2001() async throws {
        try await TestServer.run(settings: #"{"policy": {"maxTotalSize": 1000}}"#) { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            expectError(try await api.send(.post, sessionPath(id) + "/files", token: token, json: #"{"fileName":"big","size":1001}"#), 409, 2001)
            _ = try await api.registerFile(alice, token: token, trackingId: id, name: "a", size: 600)
            // The total counts, not just one file.
            expectError(try await api.send(.post, sessionPath(id) + "/files", token: token, json: #"{"fileName":"b","size":401}"#), 409, 2001)
            _ = try await api.registerFile(alice, token: token, trackingId: id, name: "b", size: 400)
        }
    }

    @Test func registrationBodyErrors() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let path = sessionPath(id) + "/files"
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"a","size":-1}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"","size":1}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"a"}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"a","size":"1"}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"a","size":1.5}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"a","size":99999999999999999999999}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"a","size":1,"checksum":"xyz"}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"a\u0000b","size":1}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"fileName":"\#(String(repeating: "n", count: 1025))","size":1}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token), 400, 1002)
            #expect(try await files(api, token, id).isEmpty)
        }
    }

    /// Paths, dots and spaces stay as given; control and direction-formatting characters are dropped (L5/L6).
    @Test func oddNamesAreAcceptedAndListedBackWithoutControlCharacters() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let names = ["../../etc/passwd", "dir/sub/file.txt", "tab\there\r\nnew\u{1}line", String(repeating: "ä", count: 1000),
                         "  spaced  ", "\u{202E}fdp.exe", "C:\\Windows\\x.ini", "."]
            for name in names {
                _ = try await api.registerFile(alice, token: token, trackingId: id, name: name, size: 1)
            }
            let listed = try await files(api, token, id).compactMap { $0["fileName"] as? String }
            let expected = names.map { $0 == "tab\there\r\nnew\u{1}line" ? "tabherenewline" : $0 == "\u{202E}fdp.exe" ? "fdp.exe" : $0 }
            #expect(listed.sorted() == expected.sorted())
        }
    }

    @Test func uploadWithoutContentTypeAndChecksumState() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let bytes = Array("hello world".utf8)
            let fileId = try await api.registerFile(alice, token: token, trackingId: id, name: "h.txt", size: bytes.count, checksum: TestData.sha256(bytes).uppercased())
            var h = api.headers(token: token)
            h[.contentType] = nil
            let r = try await api.send(.put, sessionPath(id) + "/files/\(fileId)/content", rawHeaders: h, bytes: bytes)
            #expect(r.status == .ok)
            #expect(r.body.readableBytes == 0)
            let file = try #require(try await files(api, token, id).first)
            #expect(file["state"] as? String == "UPLOADED")
            #expect(file["checksum"] as? String == TestData.sha256(bytes))
        }
    }

    @Test func moreBytesThanRegisteredIs1004AndFileStaysInitialized() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let fileId = try await api.registerFile(alice, token: token, trackingId: id, name: "a", size: 3)
            expectError(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: [1, 2, 3, 4]), 400, 1004)
            #expect(try await files(api, token, id).first?["state"] as? String == "INITIALIZED")
            expectError(try await api.send(.post, sessionPath(id), token: token), 409, 2001)
            // Nothing half-written is left behind.
            #expect(!api.dataDirectoryEntries().contains { $0.hasSuffix(".part") })
        }
    }

    @Test func fewerBytesThanRegisteredIs1004AndFinalizeIs2001() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let fileId = try await api.registerFile(alice, token: token, trackingId: id, name: "a", size: 10)
            expectError(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: [1, 2, 3]), 400, 1004)
            #expect(try await files(api, token, id).first?["state"] as? String == "INITIALIZED")
            expectError(try await api.send(.post, sessionPath(id), token: token), 409, 2001)
        }
    }

    @Test func checksumMismatchIs1004() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let fileId = try await api.registerFile(alice, token: token, trackingId: id, name: "a", size: 3, checksum: TestData.sha256([9, 9, 9]))
            expectError(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: [1, 2, 3]), 400, 1004)
            #expect(try await files(api, token, id).first?["state"] as? String == "INITIALIZED")
            #expect(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: [9, 9, 9]).status == .ok)
            #expect(try await files(api, token, id).first?["state"] as? String == "UPLOADED")
        }
    }

    @Test func secondUploadReplacesContent() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let fileId = try await api.registerFile(alice, token: token, trackingId: id, name: "a.txt", size: 3)
            #expect(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: Array("one".utf8)).status == .ok)
            #expect(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: Array("two".utf8)).status == .ok)
            #expect(try await files(api, token, id).first?["checksum"] as? String == TestData.sha256(Array("two".utf8)))
            try await api.setPassword(alice, token: token, trackingId: id, password: TestData.password)
            let transferId = try #require(try await api.finalize(alice, token: token, trackingId: id).first)
            let download = try await api.send(.get, "/api/transfers/\(transferId)/files/\(fileId)", password: TestData.password)
            #expect(download.text == "two")
        }
    }

    @Test func emptyFileCanBeUploaded() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let fileId = try await api.registerFile(alice, token: token, trackingId: id, name: "empty", size: 0)
            #expect(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: []).status == .ok)
            #expect(try await files(api, token, id).first?["state"] as? String == "UPLOADED")
        }
    }

    @Test func uploadToUnknownOrMalformedFileId() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            expectError(try await api.upload(alice, token: token, trackingId: id, fileId: "ABCDEFGHJK", bytes: [1]), 404, 2003)
            expectError(try await api.upload(alice, token: token, trackingId: id, fileId: "short", bytes: [1]), 400, 1005)
            expectError(try await api.send(.delete, sessionPath(id) + "/files/ABCDEFGHJK", token: token), 404, 2003)
            expectError(try await api.send(.delete, sessionPath(id) + "/files/bad-id!", token: token), 400, 1005)
        }
    }

    @Test func deleteFile() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let keep = try await api.addFile(alice, token: token, trackingId: id, name: "keep", bytes: [1])
            let drop = try await api.addFile(alice, token: token, trackingId: id, name: "drop", bytes: [2])
            _ = try await api.send(.patch, sessionPath(id), token: token, json: #"{"confidentialMessageFileId":"\#(drop)"}"#)
            let r = try await api.send(.delete, sessionPath(id) + "/files/\(drop)", token: token)
            #expect(r.status == .noContent)
            let session = try await api.send(.get, sessionPath(id), token: token).data
            #expect((session["files"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [keep])
            // Deleting the confidential message clears the reference.
            #expect(session["confidentialMessageFileId"] is NSNull)
            // The name is free again.
            _ = try await api.registerFile(alice, token: token, trackingId: id, name: "drop", size: 1)
            #expect(!api.dataDirectoryEntries().contains { $0.contains(drop) })
        }
    }

    @Test func finalizeWithoutFilesIs2001() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            expectError(try await api.send(.post, sessionPath(id), token: token), 409, 2001)
        }
    }

    @Test func finalizeManualWithoutPasswordSetIsImpossible() async throws {
        try await TestServer.run(settings: #"{"policy": {"allowedPasswordModes": ["MANUAL"]}}"#) { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            _ = try await api.addFile(alice, token: token, trackingId: id, name: "a", bytes: [1])
            expectError(try await api.send(.post, sessionPath(id), token: token), 409, 2001)
        }
    }

    @Test func finalizeReturnsLocationAndClosesTheSession() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let fileId = try await api.addFile(alice, token: token, trackingId: id, name: "a.txt", bytes: [1, 2, 3])
            let r = try await api.send(.post, sessionPath(id), token: token)
            #expect(r.status == .created)
            #expect(r.body.readableBytes == 0)
            #expect(r.headers[.location] == "https://sealdrop.test/api/users/\(alice)/transfers/\(id)")
            expectError(try await api.send(.get, sessionPath(id), token: token), 404, 2003)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: "{}"), 404, 2003)
            expectError(try await api.send(.post, sessionPath(id), token: token), 404, 2003)
            expectError(try await api.send(.delete, sessionPath(id), token: token), 404, 2003)
            expectError(try await api.send(.post, sessionPath(id) + "/files", token: token, json: #"{"fileName":"b","size":1}"#), 404, 2003)
            expectError(try await api.upload(alice, token: token, trackingId: id, fileId: fileId, bytes: [1, 2, 3]), 404, 2003)
            expectError(try await api.send(.delete, sessionPath(id) + "/files/\(fileId)", token: token), 404, 2003)
            // The transfer is ACTIVE.
            let details = try await api.send(.get, "/api/users/\(alice)/transfers/\(id)", token: token)
            #expect((details.data["status"] as? [String: Any])?["state"] as? String == "ACTIVE")
        }
    }

    @Test func finalizeQueuesRecipientNotificationAndUploadSummary() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org", "carol@example.net"])
            let mails = try await api.server.database.recentMessages(limit: 20).filter { $0.trackingId == sent.trackingId }
            let notifications = mails.filter { $0.kind == "recipient-notification" }
            #expect(Set(notifications.flatMap(\.envelopeTo)) == ["bob@example.org", "carol@example.net"])
            #expect(mails.contains { $0.kind == "upload-summary" && $0.envelopeTo == [alice] })
            // MANUAL mode: the password is not in the recipient's mail.
            for mail in notifications {
                #expect(!(MailText.body(of: mail) ?? "").contains(sent.password))
            }
        }
    }
}
