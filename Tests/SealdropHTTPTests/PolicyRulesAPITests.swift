import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropHTTP

/// Policy rules through the admin API, and what REST clients then meet: refused recipients, refused senders,
/// the rules' limits at registration and PATCH, CSV export and import, the test endpoint.
@Suite struct PolicyRulesAPITests {
    static let rules = #"""
        {"rules": [
          {"name": "Internal to anyone", "sender": {"patterns": ["example.org"]},
           "settings": {"maxTotalSize": 1000, "maxRetentionPeriod": 5, "securityModes": [{"name": "ONE_TIME_PASSWORD", "allowedPasswordModes": ["MANUAL"]}]}},
          {"name": "Anyone to internal", "recipient": {"patterns": ["example.org"]}},
          {"name": "Never to rivals", "action": "decline", "recipient": {"patterns": ["/.*@rival\\.example/"]}}
        ], "internalDomains": ["example.org"]}
        """#

    @Test func rulesDecideWhoMaySendAndTheirLimitsApplyEverywhere() async throws {
        try await AdminClient.runBeside { api, admin in
            let token = try await admin.server.accounts.createToken(label: "policy", role: .administrator, by: "test").token
            let put = try await admin.api(.put, "/admin/api/policy", token: token, json: Self.rules)
            #expect(put.status == .ok, "\(put.text)")
            #expect(try await admin.api(.get, "/admin/api/policy", token: token).text.contains("Never to rivals"))

            let alice = "alice@example.org"
            let aliceToken = try await api.verify(alice)
            let policy = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: aliceToken,
                                            json: #"{"recipients":["bob@partner.net","eve@rival.example"]}"#)
            #expect(policy.status == .ok)
            let failed = try #require((policy.data["failedRecipients"] as? [[String: Any]]))
            #expect(failed.count == 1 && failed[0]["emailAddress"] as? String == "eve@rival.example" && failed[0]["reason"] as? String == "POLICY_MISMATCH")
            let allowed = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: aliceToken, json: #"{"recipients":["bob@partner.net"]}"#)
            let settings = try #require(allowed.data["settings"] as? [String: Any])
            #expect(settings["maxTotalSize"] as? Int == 1000 && settings["maxRetentionPeriod"] as? Int == 5)

            // The rule's size limit holds at registration, its retention at PATCH.
            let tracking = try await api.createSession(alice, token: aliceToken, to: ["bob@partner.net"])
            let big = try await api.send(.post, "/api/users/\(alice)/transfer-sessions/\(tracking)/files", token: aliceToken,
                                         json: #"{"fileName":"a.bin","size":1001}"#)
            expectError(big, 409, 2001)
            let late = ISO8601DateFormatter().string(from: Date().addingTimeInterval(10 * 86400))
            let patch = try await api.send(.patch, "/api/users/\(alice)/transfer-sessions/\(tracking)", token: aliceToken,
                                           json: #"{"expirationDate":"\#(late)"}"#)
            expectError(patch, 409, 2001)

            // A stranger may send to the organisation but not to other strangers, and to rivals nobody may.
            let stranger = "sam@partner.net"
            let samToken = try await api.verify(stranger)
            let refused = try await api.send(.post, "/api/users/\(stranger)/transfer-sessions", token: samToken,
                                             json: #"{"recipients":{"to":[{"mail":"x@elsewhere.org"}],"cc":[],"bcc":[]}}"#)
            expectError(refused, 403, 3011)
            _ = try await api.createSession(stranger, token: samToken, to: ["alice@example.org"])

            // With only the declining rule left, nobody is allowed anywhere: 403/3010.
            let declineOnly = #"{"rules": [{"name": "Never to rivals", "action": "decline", "recipient": {"patterns": ["rival.example"]}}]}"#
            #expect(try await admin.api(.put, "/admin/api/policy", token: token, json: declineOnly).status == .ok)
            let nowhere = try await api.send(.post, "/api/users/\(alice)/transfer-policy", token: aliceToken, json: #"{"recipients":["bob@partner.net"]}"#)
            expectError(nowhere, 403, 3010)
            let audit = try await admin.server.database.recentAuditEntries(limit: 20).filter { $0.target.hasPrefix("policyRules") }
            #expect(!audit.isEmpty)
        }
    }

    @Test func badRulesAreRefusedNamingTheFieldAndNothingChanges() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "policy", role: .administrator, by: "test").token
            let catastrophic = #"{"rules": [{"name": "r", "sender": {"patterns": ["/(a+)+$/"]}}]}"#
            let r = try await admin.api(.put, "/admin/api/policy", token: token, json: catastrophic)
            #expect(r.status == .badRequest && r.text.contains("policyRules.rules[0].sender.patterns") && r.text.contains("exponential"))
            let huge = #"{"rules": [{"name": "r", "sender": {"patterns": ["/\#(String(repeating: "a", count: 100_000))/"]}}]}"#
            #expect(try await admin.api(.put, "/admin/api/policy", token: token, json: huge).status == .badRequest)
            let wrongType = try await admin.api(.put, "/admin/api/policy", token: token, json: #"{"rules": [{"name": 3}]}"#)
            #expect(wrongType.status == .badRequest && wrongType.text.contains("rules"))
            #expect(admin.server.settings.current.policyRules.rules.isEmpty)
            let analyst = try await admin.server.accounts.createToken(label: "ro", role: .logAnalyst, by: "test").token
            #expect(try await admin.api(.get, "/admin/api/policy", token: analyst).status == .forbidden)
        }
    }

    @Test func testEndpointCSVRoundTripAndDefaultRules() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "policy", role: .administrator, by: "test").token
            let created = try await admin.api(.post, "/admin/api/policy/default-rules", token: token, json: #"{"internalDomains": ["Example.org"]}"#)
            #expect(created.status == .created)
            #expect(admin.server.settings.current.policyRules.rules.map(\.name) == ["Internal senders to anyone", "Anyone to internal recipients"])
            let test = try await admin.api(.post, "/admin/api/policy/test", token: token,
                                           json: #"{"sender": "sam@partner.net", "recipients": ["alice@example.org", "x@elsewhere.org"]}"#)
            let body = try AdminClient.json(test)
            #expect(body["allowed"] as? Bool == false && body["senderAllowed"] as? Bool == true)
            #expect(body["failedRecipients"] as? [String] == ["x@elsewhere.org"])
            #expect(body["matchedRules"] as? [String] == ["Anyone to internal recipients"])

            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(token)"
            let export = try await admin.client.execute(uri: "/admin/api/policy/export", method: .get, headers: headers)
            #expect(export.status == .ok && export.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(export.text.hasPrefix("Rule name;Rule type;"))
            // Importing the export again without update adds copies with " (2)"; one bad line imports nothing.
            let again = try await admin.client.execute(uri: "/admin/api/policy/import", method: .post, headers: headers, body: export.body)
            #expect(again.status == .ok)
            #expect(admin.server.settings.current.policyRules.rules.count == 4)
            #expect(admin.server.settings.current.policyRules.rules.last?.name == "Anyone to internal recipients (2)")
            let bad = "Rule name;Storage duration\nfine;3\nbroken;forever\n"
            let refused = try await admin.client.execute(uri: "/admin/api/policy/import", method: .post, headers: headers, body: ByteBuffer(string: bad))
            #expect(refused.status == .badRequest && refused.text.contains("line 3") && !refused.text.contains("line 2"))
            #expect(admin.server.settings.current.policyRules.rules.count == 4)
        }
    }

    @Test func aRuleNamesTheMailSenderAndKeepsSubjectsAndFileNamesOutOfTheLog() async throws {
        try await AdminClient.runBeside { api, admin in
            let token = try await admin.server.accounts.createToken(label: "policy", role: .administrator, by: "test").token
            let rules = #"{"rules": [{"name": "Legal", "settings": {"mailSenderName": "Legal Team", "mailSenderAddress": "legal@example.com","#
                + #" "logSubjects": false, "logFileNames": false}}]}"#
            #expect(try await admin.api(.put, "/admin/api/policy", token: token, json: rules).status == .ok)
            let sent = try await api.sendTransfer(files: [("merger-plan.pdf", Array("secret".utf8))]) { senderToken, trackingId in
                let r = try await api.send(.patch, "/api/users/alice@example.com/transfer-sessions/\(trackingId)", token: senderToken,
                                           json: #"{"notificationMessage":{"subject":"Project Falcon","body":"hi"}}"#)
                #expect(r.status == .ok)
            }
            let mails = try await admin.server.database.recentMessages(limit: 20).filter { $0.trackingId == sent.trackingId }
            let notification = try #require(mails.first { $0.kind == "recipient-notification" })
            #expect(notification.envelopeFrom == "legal@example.com")
            #expect(String(decoding: notification.message, as: UTF8.self).contains("From: Legal Team <legal@example.com>"))

            // The admin's views keep what the rule keeps out of the log.
            let details = try await admin.api(.get, "/admin/api/transfers/\(sent.trackingId)", token: token)
            #expect(details.status == .ok && !details.text.contains("merger-plan") && details.text.contains("not logged by policy"))
            let search = try await admin.api(.get, "/admin/api/transfers?fileName=merger", token: token)
            #expect(!search.text.contains(sent.trackingId))
            let outbox = try await admin.api(.get, "/admin/api/outbox", token: token)
            #expect(!outbox.text.contains("Project Falcon") && outbox.text.contains("not logged by policy"))
            let id = try #require(notification.id)
            var browser = admin
            try await browser.login("ida", role: .administrator)
            let one = try await browser.send(.get, "/admin/outbox/\(id)")
            #expect(one.status == .ok && !one.text.contains("Project Falcon") && !one.text.contains("merger-plan"))
            #expect(one.text.contains("not logged by policy"))
        }
    }
}
