import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// The sender's transfers: list, details, polling, revocation and mail renderings (spec §7).
@Suite struct SentTransferTests {
    let alice = "alice@example.com"

    @Test func listWithPaging() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            var ids: [String] = []
            for i in 0..<3 {
                let id = try await api.createSession(alice, token: token)
                _ = try await api.addFile(alice, token: token, trackingId: id, name: "f\(i)", bytes: [UInt8(i)])
                _ = try await api.finalize(alice, token: token, trackingId: id)
                ids.append(id)
            }
            // An open session is not a transfer.
            _ = try await api.createSession(alice, token: token)
            let all = try await api.send(.get, "/api/users/\(alice)/transfers", token: token)
            #expect(all.status == .ok)
            #expect(all.list.count == 3)
            #expect(Set(all.list.compactMap { $0["trackingId"] as? String }) == Set(ids))
            let first = try #require(all.list.first)
            #expect(first["state"] as? String == "ACTIVE")
            #expect((first["recipients"] as? [[String: Any]])?.first?["mail"] as? String == "bob@example.org")
            #expect(first["href"] as? String == "/api/users/\(alice)/transfers/\(first["trackingId"] as? String ?? "")")
            let page1 = try await api.send(.get, "/api/users/\(alice)/transfers?page=1&page-size=2", token: token).list
            let page2 = try await api.send(.get, "/api/users/\(alice)/transfers?page=2&page-size=2", token: token).list
            let page3 = try await api.send(.get, "/api/users/\(alice)/transfers?page=3&page-size=2", token: token)
            #expect(page1.count == 2)
            #expect(page2.count == 1)
            #expect(page3.status == .ok)
            #expect(page3.list.isEmpty)
            #expect(Set((page1 + page2).compactMap { $0["trackingId"] as? String }) == Set(ids))
            for bad in ["page-size=101", "page-size=0", "page=0", "page=x", "page-size=-5"] {
                expectError(try await api.send(.get, "/api/users/\(alice)/transfers?\(bad)", token: token), 400, 1004)
            }
            #expect(try await api.send(.get, "/api/users/\(alice)/transfers?page-size=100", token: token).status == .ok)
        }
    }

    @Test func listIsNewestFirst() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            var ids: [String] = []
            for i in 0..<2 {
                let id = try await api.createSession(alice, token: token)
                _ = try await api.addFile(alice, token: token, trackingId: id, name: "f", bytes: [UInt8(i)])
                _ = try await api.finalize(alice, token: token, trackingId: id)
                ids.append(id)
                if i == 0 { try await Task.sleep(for: .milliseconds(1100)) }
            }
            let list = try await api.send(.get, "/api/users/\(alice)/transfers", token: token).list
            #expect(list.compactMap { $0["trackingId"] as? String } == ids.reversed())
        }
    }

    @Test func detailsHaveTransferAndPerRecipientStatus() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org", "carol@example.net"],
                                                  files: [("a.txt", [1, 2, 3]), ("b.bin", [4, 5])])
            let r = try await api.send(.get, "/api/users/\(alice)/transfers/\(sent.trackingId)", token: sent.token)
            #expect(r.status == .ok)
            let transfer = try #require(r.data["transfer"] as? [String: Any])
            #expect((transfer["files"] as? [[String: Any]])?.count == 2)
            #expect(transfer["expirationDate"] is String)
            let status = try #require(r.data["status"] as? [String: Any])
            #expect(status["state"] as? String == "ACTIVE")
            #expect(status["warnings"] as? Bool == false)
            #expect(status["emlCreationFailed"] as? Bool == false)
            #expect((status["sender"] as? [String: Any])?["email"] as? String == alice)
            let files = try #require(status["files"] as? [[String: Any]])
            #expect(Set(files.compactMap { $0["id"] as? String }) == Set(sent.fileIds))
            #expect(files.allSatisfy { $0["removed"] as? Bool == false })
            let recipients = try #require(status["recipients"] as? [[String: Any]])
            #expect(recipients.compactMap { $0["mail"] as? String } == ["bob@example.org", "carol@example.net"])
            #expect(Set(recipients.compactMap { $0["id"] as? String }).count == 2)
            for recipient in recipients {
                let id = recipient["id"] as? String ?? ""
                #expect(id.count == 10)
                let url = try #require(recipient["downloadUrl"] as? String)
                #expect(url.hasPrefix("https://sealdrop.test/"))
                #expect(url.contains(id))
                #expect(!url.contains(sent.password))
                #expect(recipient["notificationFailed"] as? Bool == false)
                #expect((recipient["fileDownloads"] as? [[String: Any]])?.count == 2)
            }
        }
    }

    @Test func downloadsAppearInDetails() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let d = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])", password: sent.password)
            #expect(d.status == .ok)
            let r = try await api.send(.get, "/api/users/\(alice)/transfers/\(sent.trackingId)", token: sent.token)
            let recipient = try #require(((r.data["status"] as? [String: Any])?["recipients"] as? [[String: Any]])?.first)
            let downloads = (recipient["fileDownloads"] as? [[String: Any]])?.first?["downloads"] as? [[String: Any]]
            #expect(downloads?.count == 1)
            #expect(downloads?.first?["retrievalMethod"] as? String == "DOWNLOADED")
            #expect(downloads?.first?["downloadDate"] is String)
            // The sender asked for download notifications by default.
            let mails = try await api.server.database.recentMessages(limit: 10)
            #expect(mails.contains { $0.kind == "download-notification" && $0.envelopeTo == [alice] })
        }
    }

    @Test func noneModeDownloadUrlCarriesPasswordOnlyForCreatorToken() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            _ = try await api.addFile(alice, token: token, trackingId: id, name: "a", bytes: [1])
            let none = try await api.send(.patch, "/api/users/\(alice)/transfer-sessions/\(id)", token: token,
                                          json: #"{"securityMode":{"name":"ONE_TIME_PASSWORD","config":{"passwordMode":"NONE"}}}"#)
            #expect(none.status == .ok)
            let transferId = try #require(try await api.finalize(alice, token: token, trackingId: id).first)
            let r = try await api.send(.get, "/api/users/\(alice)/transfers/\(id)", token: token)
            let url = try #require((((r.data["status"] as? [String: Any])?["recipients"] as? [[String: Any]])?.first)?["downloadUrl"] as? String)
            let components = try #require(URLComponents(string: url))
            let password = try #require(components.queryItems?.first { $0.name == "password" }?.value)
            #expect(components.queryItems?.first { $0.name == "id" }?.value == transferId)
            #expect(try await api.send(.get, "/api/transfers/\(transferId)", password: password).status == .ok)
            // Another token of the same sender sees no password (spec §7.2: null).
            let other = try await api.verify(alice)
            let r2 = try await api.send(.get, "/api/users/\(alice)/transfers/\(id)", token: other)
            let recipient = (((r2.data["status"] as? [String: Any])?["recipients"] as? [[String: Any]])?.first) ?? [:]
            #expect(!((recipient["downloadUrl"] as? String) ?? "").contains("password="))
        }
    }

    @Test func unknownAndForeignTransfers() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/20240522-065711-H8UoUSI6", token: sent.token), 404, 2003)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/2024-bad", token: sent.token), 400, 1005)
            let carol = "carol@example.com"
            let carolToken = try await api.verify(carol)
            expectError(try await api.send(.get, "/api/users/\(carol)/transfers/\(sent.trackingId)", token: carolToken), 404, 2003)
            let revoke = #"{"status":{"state":"DELETED_BY_REVOCATION"}}"#
            expectError(try await api.send(.patch, "/api/users/\(carol)/transfers/\(sent.trackingId)", token: carolToken, json: revoke), 404, 2003)
            #expect(try await api.send(.get, "/api/users/\(carol)/transfers", token: carolToken).list.isEmpty)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/\(sent.trackingId)"), 403, 3002)
        }
    }

    @Test func sentTransfersDefaultProjection() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let r = try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers", token: sent.token)
            #expect(r.status == .ok)
            let item = try #require(r.list.first)
            #expect(r.list.count == 1)
            #expect(item["trackingId"] as? String == sent.trackingId)
            let status = try #require(item["status"] as? [String: Any])
            #expect(status["state"] as? String == "ACTIVE")
            #expect((status["sender"] as? [String: Any])?["email"] as? String == alice)
            #expect((status["recipients"] as? [[String: Any]])?.first?["mail"] as? String == "bob@example.org")
            let transfer = try #require(item["transfer"] as? [String: Any])
            #expect((transfer["recipients"] as? [String: Any])?["to"] != nil)
        }
    }

    @Test func sentTransfersFieldsProjection() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let r = try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?fields=status(state)", token: sent.token)
            #expect(r.status == .ok)
            let item = try #require(r.list.first)
            #expect(Set(item.keys) == ["status"])
            let both = try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?fields=trackingId,%20transfer(expirationDate)", token: sent.token)
            #expect(Set(try #require(both.list.first).keys) == ["trackingId", "transfer"])
            for bad in ["bogus", "status(state", "status)", "trackingId,nope"] {
                let encoded = bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? bad
                expectError(try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?fields=\(encoded)", token: sent.token), 400, 1004)
            }
        }
    }

    @Test func sentTransfersActiveFilterAndPaging() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let active = try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?active=true", token: sent.token)
            #expect(active.list.count == 1)
            let inactive = try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?active=false", token: sent.token)
            #expect(inactive.status == .ok)
            #expect(inactive.list.isEmpty)
            _ = try await api.send(.patch, "/api/users/\(alice)/transfers/\(sent.trackingId)", token: sent.token,
                                   json: #"{"status":{"state":"DELETED_BY_REVOCATION"}}"#)
            let afterRevoke = try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?active=false", token: sent.token)
            #expect(afterRevoke.list.count == 1)
            #expect(try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?active=true", token: sent.token).list.isEmpty)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?active=maybe", token: sent.token), 400, 1004)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/sent-transfers?page-size=101", token: sent.token), 400, 1004)
        }
    }

    @Test func receivedTransfersForVerifiedRecipient() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org", "carol@example.net"])
            let bob = "bob@example.org"
            let bobToken = try await api.verify(bob)
            let r = try await api.send(.get, "/api/users/\(bob)/transfers/received-transfers", token: bobToken)
            #expect(r.status == .ok)
            let item = try #require(r.list.first)
            #expect(r.list.count == 1)
            #expect(item["trackingId"] as? String == sent.trackingId)
            let recipients = try #require((item["status"] as? [String: Any])?["recipients"] as? [[String: Any]])
            // Only bob's own entry, without a download URL (sensitive members stripped).
            #expect(recipients.compactMap { $0["mail"] as? String } == [bob])
            #expect(recipients.allSatisfy { $0["downloadUrl"] == nil || $0["downloadUrl"] is NSNull })
            let transfer = item["transfer"] as? [String: Any] ?? [:]
            #expect((transfer["files"] as? [Any] ?? []).isEmpty)
            #expect(transfer["confidentialMessageFileId"] == nil || transfer["confidentialMessageFileId"] is NSNull)
            // Alice received nothing; Bob sent nothing.
            #expect(try await api.send(.get, "/api/users/\(alice)/transfers/received-transfers", token: sent.token).list.isEmpty)
            #expect(try await api.send(.get, "/api/users/\(bob)/transfers/sent-transfers", token: bobToken).list.isEmpty)
            // Alice's token is no verification of bob.
            expectError(try await api.send(.get, "/api/users/\(bob)/transfers/received-transfers", token: sent.token), 403, 3002)
            let inactive = try await api.send(.get, "/api/users/\(bob)/transfers/received-transfers?active=false", token: bobToken)
            #expect(inactive.list.isEmpty)
        }
    }

    /// M2: each kind of recipient lists its received transfers. All see To and Cc; a Bcc recipient sees
    /// itself in Bcc and no other Bcc address; To and Cc recipients see no Bcc address. Nobody sees a file id,
    /// another recipient's entry or another recipient's downloads.
    @Test func receivedTransfersHideBccAndFileIds() async throws {
        try await TestServer.run { api in
            let (to, cc, bcc1, bcc2) = ("to@example.org", "cc@example.org", "bcc1@example.net", "bcc2@example.net")
            let token = try await api.verify(alice)
            let created = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token, json: #"""
                {"sender":{"name":"Alice"},"recipients":{"to":[{"mail":"\#(to)"}],"cc":[{"mail":"\#(cc)"}],
                 "bcc":[{"mail":"\#(bcc1)"},{"mail":"\#(bcc2)"}]}}
                """#)
            #expect(created.status == .created)
            let trackingId = String(try #require(created.headers[.location]?.split(separator: "/").last))
            let fileId = try await api.addFile(alice, token: token, trackingId: trackingId, name: "a.txt", bytes: Array("secret".utf8))
            try await api.setPassword(alice, token: token, trackingId: trackingId, password: TestData.password)
            let transferIds = try await api.finalize(alice, token: token, trackingId: trackingId)
            try #require(transferIds.count == 4)
            // The To recipient downloads the file, so the transfer has a download record that names the file.
            let download = try await api.send(.get, "/api/transfers/\(transferIds[0])/files/\(fileId)", password: TestData.password)
            #expect(download.status == .ok)

            for (me, myId, bccSeen) in [(to, transferIds[0], [String]()), (cc, transferIds[1], []), (bcc1, transferIds[2], [bcc1])] {
                let myToken = try await api.verify(me)
                let r = try await api.send(.get, "/api/users/\(me)/transfers/received-transfers", token: myToken)
                #expect(r.status == .ok)
                let item = try #require(r.list.first)
                let transfer = try #require(item["transfer"] as? [String: Any])
                let recipients = try #require(transfer["recipients"] as? [String: Any])
                func mails(_ field: String) -> [String] { (recipients[field] as? [[String: Any]] ?? []).compactMap { $0["mail"] as? String } }
                #expect(mails("to") == [to], "\(me)")
                #expect(mails("cc") == [cc], "\(me)")
                #expect(mails("bcc") == bccSeen, "\(me)")
                for hidden in [bcc1, bcc2] where !bccSeen.contains(hidden) {
                    #expect(!r.text.contains(hidden), "\(me) sees \(hidden)")
                }
                let status = try #require(item["status"] as? [String: Any])
                let entries = try #require(status["recipients"] as? [[String: Any]])
                #expect(entries.compactMap { $0["mail"] as? String } == [me])
                #expect(entries.compactMap { $0["id"] as? String } == [myId])
                #expect(entries.allSatisfy { ($0["fileDownloads"] as? [Any] ?? []).isEmpty })
                #expect((status["files"] as? [Any] ?? []).isEmpty)
                #expect((transfer["files"] as? [Any] ?? []).isEmpty)
                #expect(!r.text.contains(fileId), "\(me) sees a file id")
            }
        }
    }

    @Test func revokeThenRecipientsGet404() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferId)", password: sent.password).status == .ok)
            let r = try await api.send(.patch, "/api/users/\(alice)/transfers/\(sent.trackingId)", token: sent.token,
                                       json: #"{"status":{"state":"DELETED_BY_REVOCATION"},"revocationOptions":{"notifySender":true,"notifyRecipients":true,"message":"Oops"}}"#)
            #expect(r.status == .ok)
            #expect((r.data["status"] as? [String: Any])?["state"] as? String == "DELETED_BY_REVOCATION")
            // Metadata stays visible.
            let details = try await api.send(.get, "/api/users/\(alice)/transfers/\(sent.trackingId)", token: sent.token)
            let status = try #require(details.data["status"] as? [String: Any])
            #expect(status["state"] as? String == "DELETED_BY_REVOCATION")
            #expect((status["recipients"] as? [[String: Any]])?.first?["downloadUrl"] is NSNull)
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)", password: sent.password), 404, 2003)
            expectError(try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])", password: sent.password), 404, 2003)
            // Files are gone from disk.
            #expect(!api.dataDirectoryEntries().contains { $0.hasSuffix(".blob") })
            let mails = try await api.server.database.recentMessages(limit: 10).filter { $0.kind == "revocation" }
            #expect(Set(mails.flatMap(\.envelopeTo)) == [alice, "bob@example.org"])
            #expect(mails.contains { (MailText.body(of: $0) ?? "").contains("Oops") })
            // Revoking again conflicts.
            let again = try await api.send(.patch, "/api/users/\(alice)/transfers/\(sent.trackingId)", token: sent.token,
                                           json: #"{"status":{"state":"DELETED_BY_REVOCATION"}}"#)
            expectError(again, 409, 2001)
        }
    }

    @Test func revokeWithoutNotifications() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let r = try await api.send(.patch, "/api/users/\(alice)/transfers/\(sent.trackingId)", token: sent.token,
                                       json: #"{"status":{"state":"DELETED_BY_REVOCATION"},"revocationOptions":{"notifySender":false,"notifyRecipients":false}}"#)
            #expect(r.status == .ok)
            #expect(try await api.server.database.recentMessages(limit: 10).filter { $0.kind == "revocation" }.isEmpty)
        }
    }

    @Test func revokeBodyErrors() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer()
            let path = "/api/users/\(alice)/transfers/\(sent.trackingId)"
            expectError(try await api.send(.patch, path, token: sent.token, json: #"{"status":{"state":"ACTIVE"}}"#), 400, 1004)
            expectError(try await api.send(.patch, path, token: sent.token, json: #"{"status":{}}"#), 400, 1004)
            expectError(try await api.send(.patch, path, token: sent.token, json: "{}"), 400, 1004)
            expectError(try await api.send(.patch, path, token: sent.token), 400, 1002)
            // Still active.
            #expect(try await api.send(.get, "/api/transfers/\(sent.transferId)", password: sent.password).status == .ok)
        }
    }

    @Test func mailEndpointsRenderHTML() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org"])
            let base = "/api/users/\(alice)/transfers/\(sent.trackingId)/emails"
            let sender = try await api.send(.post, base + "/sender", token: sent.token, json: #"{"password":"<Pw&1>"}"#)
            #expect(sender.status == .ok)
            #expect(sender.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(sender.text.contains("bob@example.org"))
            #expect(sender.text.contains("&lt;Pw&amp;1&gt;"))
            #expect(!sender.text.contains("<Pw&1>"))
            let sentCopy = try await api.send(.post, base + "/sent", token: sent.token)
            #expect(sentCopy.status == .ok)
            #expect(sentCopy.headers[.contentType]?.hasPrefix("text/html") == true)
            let recipient = try await api.send(.post, base + "/recipients/\(sent.transferId)", token: sent.token, json: "{}")
            #expect(recipient.status == .ok)
            #expect(recipient.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(recipient.text.contains(sent.transferId))
            expectError(try await api.send(.post, base + "/recipients/ABCDEFGHJK", token: sent.token), 404, 2003)
            expectError(try await api.send(.post, base + "/recipients/bad", token: sent.token), 400, 1005)
            expectError(try await api.send(.post, base + "/sender"), 403, 3002)
            expectError(try await api.send(.post, "/api/users/\(alice)/transfers/20240522-065711-H8UoUSI6/emails/sent", token: sent.token), 404, 2003)
        }
    }

    @Test func mailEndpointsRefuseOpenSessions() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            expectError(try await api.send(.post, "/api/users/\(alice)/transfers/\(id)/emails/sent", token: token), 404, 2003)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/\(id)", token: token), 404, 2003)
        }
    }
}
