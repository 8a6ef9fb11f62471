import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SealdropHTTP

/// The transfer policy (spec §6.1).
@Suite struct PolicyTests {
    let alice = "alice@example.com"

    @Test func allowedWithSettings() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: token, json: #"{"recipients":["bob@example.org","c@example.net"]}"#)
            #expect(r.status == .ok)
            #expect(r.data["allowed"] as? Bool == true)
            let settings = try #require(r.data["settings"] as? [String: Any])
            #expect(settings["maxRetentionPeriod"] as? Int == 14)
            #expect(settings["maxTotalSize"] as? Int == 10 * 1024 * 1024 * 1024)
            for key in ["showFileNamesDefault", "showFileNamesChangeable", "showZipFileContentDefault", "sendDownloadNotificationsDefault",
                        "sendDownloadNotificationsChangeable", "recipientNotificationEditable", "confidentialMessageAllowed", "confidentialMessageRequired"] {
                #expect(settings[key] is Bool, "\(key)")
            }
            let modes = try #require(settings["securityModes"] as? [[String: Any]])
            #expect(modes.first?["name"] as? String == "ONE_TIME_PASSWORD")
            let allowed = (modes.first?["config"] as? [String: Any])?["allowedPasswordModes"] as? [String]
            #expect(Set(allowed ?? []) == ["NONE", "MANUAL", "GENERATED"])
            #expect(r.data["failedRecipients"] == nil || r.data["failedRecipients"] is NSNull)
        }
    }

    @Test func recipientOutsidePatternsFails() async throws {
        try await TestServer.run(settings: #"{"policy": {"recipientPatterns": ["example.com"]}}"#) { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: token,
                                       json: #"{"recipients":["ok@example.com","bad@elsewhere.org"]}"#)
            #expect(r.status == .ok)
            #expect(r.data["allowed"] as? Bool == false)
            let failed = try #require(r.data["failedRecipients"] as? [[String: Any]])
            #expect(failed.count == 1)
            #expect(failed.first?["emailAddress"] as? String == "bad@elsewhere.org")
            #expect(failed.first?["reason"] as? String == "POLICY_MISMATCH")
            #expect(r.data["settings"] == nil || r.data["settings"] is NSNull)
            // Creating a session to the refused recipient is 403/3011.
            let create = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token,
                                            json: #"{"recipients":{"to":[{"mail":"bad@elsewhere.org"}]}}"#)
            expectError(create, 403, 3011)
            let good = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token,
                                          json: #"{"recipients":{"to":[{"mail":"ok@example.com"}]}}"#)
            #expect(good.status == .created)
        }
    }

    @Test func rejectedSenderIs3010() async throws {
        try await TestServer.run(settings: #"{"policy": {"senderPatterns": ["corp.example"]}}"#) { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: token, json: #"{"recipients":["bob@example.org"]}"#)
            expectError(r, 403, 3010)
            let create = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token,
                                            json: #"{"recipients":{"to":[{"mail":"bob@example.org"}]}}"#)
            expectError(create, 403, 3010)
        }
    }

    @Test func malformedPolicyBodies() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let path = "/api/users/\(alice)/transfer-policy"
            expectError(try await api.send(.post, path, token: token), 400, 1002)
            expectError(try await api.send(.post, path, token: token, json: #"{"recipients":[]}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"recipients":["not an address"]}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"recipients":"bob@example.org"}"#), 400, 1004)
            expectError(try await api.send(.post, path, token: token, json: #"{"recipients":[{"mail":"bob@example.org"}]}"#), 400, 1004)
        }
    }
}

/// Transfer sessions (spec §6.2–6.6).
@Suite struct SessionTests {
    let alice = "alice@example.com"

    func sessionPath(_ trackingId: String) -> String { "/api/users/\(alice)/transfer-sessions/\(trackingId)" }

    @Test func createReturnsLocationWithTrackingId() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token,
                                       json: #"{"sender":{"name":"Alice","phone":"+49 1"},"recipients":{"to":[{"mail":"bob@example.org"}],"cc":[],"bcc":[]}}"#)
            #expect(r.status == .created)
            #expect(r.body.readableBytes == 0)
            let location = try #require(r.headers[.location])
            #expect(location.hasPrefix("https://sealdrop.test/api/users/\(alice)/transfer-sessions/"))
            let id = String(location.split(separator: "/").last ?? "")
            #expect(id.wholeMatch(of: /[0-9]{8}-[0-9]{6}-[A-Za-z0-9]{8}/) != nil, "\(id)")
            // The timestamp is the creation time (UTC), within a minute.
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            let stamp = try #require(formatter.date(from: String(id.prefix(15))))
            #expect(abs(stamp.timeIntervalSinceNow) < 120)
        }
    }

    @Test func createBodyErrors() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let path = "/api/users/\(alice)/transfer-sessions"
            let bodies = [
                #"{"recipients":{"to":[],"cc":[],"bcc":[]}}"#,
                #"{"recipients":{}}"#,
                #"{"recipients":{"to":[{"mail":"not an address"}]}}"#,
                #"{"recipients":{"to":[{"email":"bob@example.org"}]}}"#,
                #"{"recipients":["bob@example.org"]}"#,
                #"{"sender":{"name":"A"}}"#,
                #"[]"#,
                #"{"recipients":{"to":[{"mail":"bob@example.org"}]"#,
                "not json at all",
                #"{"recipients":{"to":[{"mail":12}]}}"#,
            ]
            for body in bodies {
                let r = try await api.send(.post, path, token: token, json: body)
                #expect(r.isError(400, 1004) || r.isError(400, 1002), "\(body) → \(r.status.code) \(r.text)")
            }
            let missing = try await api.send(.post, path, token: token)
            expectError(missing, 400, 1002)
        }
    }

    /// An address named twice (in one list or across lists, any case) is one recipient, kept in its first field.
    @Test(arguments: [
        #"{"recipients":{"to":[{"mail":"bob@example.org"},{"mail":"bob@example.org"}]}}"#,
        #"{"recipients":{"to":[{"mail":"bob@example.org"}],"cc":[{"mail":"BOB@example.org"}]}}"#,
    ])
    func duplicateRecipientsCollapseIntoOne(body: String) async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token, json: body)
            #expect(r.status == .created)
            let id = String(try #require(r.headers[.location]).split(separator: "/").last!)
            let s = try await api.send(.get, sessionPath(id), token: token)
            let recipients = try #require(s.data["recipients"] as? [String: Any])
            #expect((recipients["to"] as? [[String: Any]])?.map { $0["mail"] as? String } == ["bob@example.org"])
            #expect((recipients["cc"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func hugeJSONBodyIs400NotServerError() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let name = String(repeating: "x", count: 1_200_000)
            let body = #"{"sender":{"name":"\#(name)"},"recipients":{"to":[{"mail":"bob@example.org"}]}}"#
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token, json: body)
            #expect(r.isError(400, 1004) || r.isError(400, 1002), "\(r.status.code) \(r.text.prefix(200))")
        }
    }

    @Test func unknownMembersAreIgnored() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token, json: """
                {"sender":{"name":"Alice","phone":"1","email":"alice@example.com"},"extra":true,
                 "recipients":{"to":[{"mail":"bob@example.org","name":"Bob"}],"cc":[{"mail":"cc@example.org"}]}}
                """)
            #expect(r.status == .created)
            let id = String(try #require(r.headers[.location]).split(separator: "/").last!)
            let s = try await api.send(.get, sessionPath(id), token: token)
            #expect((s.data["sender"] as? [String: Any])?["name"] as? String == "Alice")
            let recipients = try #require(s.data["recipients"] as? [String: Any])
            #expect((recipients["to"] as? [[String: Any]])?.first?["mail"] as? String == "bob@example.org")
            #expect((recipients["cc"] as? [[String: Any]])?.first?["mail"] as? String == "cc@example.org")
            #expect((recipients["bcc"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func getHasAllMembers() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let r = try await api.send(.get, sessionPath(id), token: token, headers: ["Accept-Language": "de-DE"])
            #expect(r.status == .ok)
            let members = ["sender", "recipients", "expirationDate", "securityMode", "notificationMessage", "senderLanguage",
                           "recipientLanguage", "sendDownloadNotifications", "sendDownloadSummary", "sendRecipientNotification",
                           "sendUploadSummary", "showFileNames", "showZipFileContent", "fileChecksumAlgorithm", "classificationId",
                           "confidentialMessageFileId", "files"]
            for member in members { #expect(r.data.keys.contains(member), "\(member)") }
            #expect(r.data["fileChecksumAlgorithm"] as? String == "SHA256")
            #expect((r.data["files"] as? [Any])?.isEmpty == true)
            let mode = try #require(r.data["securityMode"] as? [String: Any])
            #expect(mode["name"] as? String == "ONE_TIME_PASSWORD")
            // The default mode is the policy's first: GENERATED, with the password visible to the creator.
            let config = try #require(mode["config"] as? [String: Any])
            #expect(config["passwordMode"] as? String == "GENERATED")
            #expect((config["password"] as? String)?.isEmpty == false)
            let expiration = try #require(r.data["expirationDate"] as? String)
            #expect(expiration.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d/) != nil, "\(expiration)")
            #expect(r.data["senderLanguage"] as? String == "en")
        }
    }

    @Test func acceptLanguagePresetsLanguages() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let r = try await api.send(.post, "/api/users/\(alice)/transfer-sessions", token: token, headers: ["Accept-Language": "de-DE,de;q=0.9"],
                                       json: #"{"recipients":{"to":[{"mail":"bob@example.org"}]}}"#)
            let id = String(try #require(r.headers[.location]).split(separator: "/").last!)
            let s = try await api.send(.get, sessionPath(id), token: token)
            #expect(s.data["senderLanguage"] as? String == "de-DE")
            #expect(s.data["recipientLanguage"] as? String == "de-DE")
        }
    }

    @Test func secondTokenOfSameSenderIs401() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let fileId = try await api.registerFile(alice, token: token, trackingId: id, name: "a.txt", size: 3)
            let second = try await api.verify(alice)
            #expect(second != token)
            expectError(try await api.send(.get, sessionPath(id), token: second), 401, 3002)
            expectError(try await api.send(.patch, sessionPath(id), token: second, json: #"{"showFileNames":false}"#), 401, 3002)
            expectError(try await api.send(.post, sessionPath(id), token: second), 401, 3002)
            expectError(try await api.send(.delete, sessionPath(id), token: second), 401, 3002)
            expectError(try await api.send(.post, sessionPath(id) + "/files", token: second, json: #"{"fileName":"b","size":1}"#), 401, 3002)
            expectError(try await api.send(.put, sessionPath(id) + "/files/\(fileId)/content", token: second, bytes: [1, 2, 3]), 401, 3002)
            expectError(try await api.send(.delete, sessionPath(id) + "/files/\(fileId)", token: second), 401, 3002)
            // The first token still works.
            #expect(try await api.send(.get, sessionPath(id), token: token).status == .ok)
        }
    }

    @Test func anotherSendersSessionIsNotVisible() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let carol = "carol@example.com"
            let carolToken = try await api.verify(carol)
            expectError(try await api.send(.get, "/api/users/\(carol)/transfer-sessions/\(id)", token: carolToken), 404, 2003)
            expectError(try await api.send(.delete, "/api/users/\(carol)/transfer-sessions/\(id)", token: carolToken), 404, 2003)
        }
    }

    @Test func patchPartialUpdate() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let before = try await api.send(.get, sessionPath(id), token: token).data
            let r = try await api.send(.patch, sessionPath(id), token: token, json: """
                {"notificationMessage":{"subject":"Hi","body":"<b>Files</b>"},"showFileNames":false,"senderLanguage":"de",
                 "send_download_notifications":false,"sender":{"name":"A. Lice","phone":"2","email":"x@y.z"},"classificationId":"secret"}
                """)
            #expect(r.status == .ok)
            let d = r.data
            #expect((d["notificationMessage"] as? [String: Any])?["subject"] as? String == "Hi")
            #expect((d["notificationMessage"] as? [String: Any])?["body"] as? String == "<b>Files</b>")
            #expect(d["showFileNames"] as? Bool == false)
            #expect(d["senderLanguage"] as? String == "de")
            #expect(d["classificationId"] as? String == "secret")
            #expect((d["sender"] as? [String: Any])?["name"] as? String == "A. Lice")
            // Absent members unchanged.
            #expect(d["expirationDate"] as? String == before["expirationDate"] as? String)
            #expect(d["recipientLanguage"] as? String == before["recipientLanguage"] as? String)
            #expect(d["sendDownloadNotifications"] as? Bool == before["sendDownloadNotifications"] as? Bool)
            #expect(d["sendUploadSummary"] as? Bool == before["sendUploadSummary"] as? Bool)
            // GET shows the same state.
            let after = try await api.send(.get, sessionPath(id), token: token).data
            #expect(after["showFileNames"] as? Bool == false)
            // Explicit null clears the classification.
            let cleared = try await api.send(.patch, sessionPath(id), token: token, json: #"{"classificationId":null}"#)
            #expect(cleared.data["classificationId"] is NSNull)
            #expect(cleared.data["showFileNames"] as? Bool == false)
        }
    }

    @Test func patchExpirationDate() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            func iso(_ days: Double) -> String {
                let f = ISO8601DateFormatter()
                f.timeZone = TimeZone(secondsFromGMT: 7200)
                return f.string(from: Date().addingTimeInterval(days * 86400))
            }
            let ok = try await api.send(.patch, sessionPath(id), token: token, json: #"{"expirationDate":"\#(iso(3))"}"#)
            #expect(ok.status == .ok)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"expirationDate":"\#(iso(15))"}"#), 409, 2001)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"expirationDate":"\#(iso(-1))"}"#), 409, 2001)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"expirationDate":"next tuesday"}"#), 400, 1004)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"expirationDate":12}"#), 400, 1004)
        }
    }

    @Test func patchSecurityModes() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            func mode(_ config: String) -> String { #"{"securityMode":{"name":"ONE_TIME_PASSWORD","config":\#(config)}}"# }
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: mode(#"{"passwordMode":"MANUAL"}"#)), 409, 2001)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: mode(#"{"passwordMode":"MANUAL","password":"abc"}"#)), 409, 2001)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: mode(#"{"passwordMode":"WHATEVER"}"#)), 400, 1004)
            let manual = try await api.send(.patch, sessionPath(id), token: token, json: mode(#"{"passwordMode":"MANUAL","password":"\#(TestData.password)"}"#))
            #expect(manual.status == .ok)
            let manualConfig = (manual.data["securityMode"] as? [String: Any])?["config"] as? [String: Any]
            #expect(manualConfig?["passwordMode"] as? String == "MANUAL")
            let generated = try await api.send(.patch, sessionPath(id), token: token, json: mode(#"{"passwordMode":"GENERATED"}"#))
            #expect(generated.status == .ok)
            let config = try #require((generated.data["securityMode"] as? [String: Any])?["config"] as? [String: Any])
            #expect(config["passwordMode"] as? String == "GENERATED")
            let password = try #require(config["password"] as? String)
            let check = try await api.send(.post, "/api/password", json: #"{"password":\#(JSONText.quote(password))}"#)
            #expect(check.data["valid"] as? Bool == true)
            // GENERATED with a client-chosen compliant password keeps it.
            let supplied = try await api.send(.patch, sessionPath(id), token: token,
                                              json: mode(#"{"passwordMode":"GENERATED","password":"\#(TestData.password)"}"#))
            #expect(((supplied.data["securityMode"] as? [String: Any])?["config"] as? [String: Any])?["password"] as? String == TestData.password)
            let none = try await api.send(.patch, sessionPath(id), token: token, json: mode(#"{"passwordMode":"NONE"}"#))
            #expect(none.status == .ok)
            // QUICK and eID are not offered: the documented 501 codes.
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"securityMode":{"name":"QUICK","config":{"passwordMode":"NONE"}}}"#), 501, 5001)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"securityMode":{"name":"EID"}}"#), 501, 5002)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"securityMode":{"name":"BOGUS"}}"#), 400, 1004)
        }
    }

    @Test func patchDisallowedPasswordModeIs2001() async throws {
        try await TestServer.run(settings: #"{"policy": {"allowedPasswordModes": ["MANUAL"]}}"#) { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            let r = try await api.send(.patch, sessionPath(id), token: token, json: #"{"securityMode":{"name":"ONE_TIME_PASSWORD","config":{"passwordMode":"NONE"}}}"#)
            expectError(r, 409, 2001)
        }
    }

    @Test func patchConfidentialMessageFileId() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"confidentialMessageFileId":"ABCDEFGHJK"}"#), 409, 2001)
            let fileId = try await api.addFile(alice, token: token, trackingId: id, name: "message.txt", bytes: Array("secret".utf8))
            let set = try await api.send(.patch, sessionPath(id), token: token, json: #"{"confidentialMessageFileId":"\#(fileId)"}"#)
            #expect(set.data["confidentialMessageFileId"] as? String == fileId)
            let unchanged = try await api.send(.patch, sessionPath(id), token: token, json: #"{"showFileNames":true}"#)
            #expect(unchanged.data["confidentialMessageFileId"] as? String == fileId)
            let cleared = try await api.send(.patch, sessionPath(id), token: token, json: #"{"confidentialMessageFileId":null}"#)
            #expect(cleared.data["confidentialMessageFileId"] is NSNull)
        }
    }

    @Test func patchBodyErrors() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            expectError(try await api.send(.patch, sessionPath(id), token: token), 400, 1002)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: "{"), 400, 1004)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"showFileNames":"yes"}"#), 400, 1004)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: #"{"senderLanguage":"de DE<script>"}"#), 400, 1004)
            // An empty object changes nothing.
            #expect(try await api.send(.patch, sessionPath(id), token: token, json: "{}").status == .ok)
        }
    }

    @Test func deleteThenGetIs404() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            _ = try await api.addFile(alice, token: token, trackingId: id, name: "a.txt", bytes: [1, 2, 3])
            let r = try await api.send(.delete, sessionPath(id), token: token)
            #expect(r.status == .noContent)
            #expect(r.body.readableBytes == 0)
            expectError(try await api.send(.get, sessionPath(id), token: token), 404, 2003)
            expectError(try await api.send(.delete, sessionPath(id), token: token), 404, 2003)
            expectError(try await api.send(.patch, sessionPath(id), token: token, json: "{}"), 404, 2003)
            expectError(try await api.send(.post, sessionPath(id), token: token), 404, 2003)
            // No blob of the session is left.
            #expect(!api.dataDirectoryEntries().contains { $0.contains(id) && $0.hasSuffix(".blob") })
        }
    }

    @Test func unknownTrackingIdIs404() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            expectError(try await api.send(.get, sessionPath("20240522-065711-H8UoUSI6"), token: token), 404, 2003)
        }
    }

    /// A well-formed id with an impossible date cannot name any transfer: the server answers 404/2003.
    @Test func impossibleDateTrackingIdIs404() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            expectError(try await api.send(.get, sessionPath("20241322-065711-H8UoUSI6"), token: token), 404, 2003)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/20240230-065711-H8UoUSI6", token: token), 404, 2003)
        }
    }

    /// Spec §2.3: a malformed path variable (step 7) is reported before verification (step 8).
    @Test func malformedTrackingIdIsReportedBeforeVerification() async throws {
        try await TestServer.run { api in
            expectError(try await api.send(.get, sessionPath("not-a-tracking-id"), token: "invalid"), 400, 1005)
            expectError(try await api.send(.get, "/api/users/\(alice)/transfers/not-a-tracking-id", token: "invalid"), 400, 1005)
        }
    }

    @Test(arguments: ["20240522-065711", "20240522-065711-H8UoUSI", "20240522-065711-H8Uo_SI6", "x", "20240522_065711-H8UoUSI6"])
    func malformedTrackingIdIs1005(trackingId: String) async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            expectError(try await api.send(.get, sessionPath(trackingId), token: token), 400, 1005)
            expectError(try await api.send(.patch, sessionPath(trackingId), token: token, json: "{}"), 400, 1005)
            expectError(try await api.send(.post, sessionPath(trackingId), token: token), 400, 1005)
            expectError(try await api.send(.delete, sessionPath(trackingId), token: token), 400, 1005)
            expectError(try await api.send(.post, sessionPath(trackingId) + "/files", token: token, json: #"{"fileName":"a","size":1}"#), 400, 1005)
        }
    }

    @Test func protectedEndpointsNeedAToken() async throws {
        try await TestServer.run { api in
            let token = try await api.verify(alice)
            let id = try await api.createSession(alice, token: token)
            expectError(try await api.send(.get, sessionPath(id)), 403, 3002)
            expectError(try await api.send(.post, "/api/users/\(alice)/transfer-sessions", json: #"{"recipients":{"to":[{"mail":"b@example.org"}]}}"#), 403, 3002)
        }
    }
}
