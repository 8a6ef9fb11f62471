import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SealdropHTTP
import Testing

/// The HTML mail endpoints (spec §7.6–7.8) honour `additionalRecipients`: the sender confirmation lists
/// them with their kind, the "Sent" copy without the Bcc ones; bad addresses are 400/1004.
@Suite struct MailEndpointRecipientsTests {
    static let extra = #"{"additionalRecipients": {"to": [{"mail": "dora@example.net"}], "cc": [{"mail": "erin@example.net"}], "bcc": [{"mail": "hidden@example.net"}]}}"#

    @Test func senderAndSentMailsListTheAdditionalRecipients() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org"])
            let base = "/api/users/\(sent.sender)/transfers/\(sent.trackingId)/emails"
            let sender = try await api.send(.post, base + "/sender", token: sent.token, json: Self.extra)
            #expect(sender.status == .ok)
            for address in ["bob@example.org", "dora@example.net", "erin@example.net", "hidden@example.net"] {
                #expect(sender.text.contains(address), "\(address)")
            }
            let copy = try await api.send(.post, base + "/sent", token: sent.token, json: Self.extra)
            #expect(copy.status == .ok)
            #expect(copy.text.contains("bob@example.org") && copy.text.contains("dora@example.net") && copy.text.contains("erin@example.net"))
            #expect(!copy.text.contains("hidden@example.net"))
            // Without the member nothing changes; the recipient notification accepts it too.
            #expect(!(try await api.send(.post, base + "/sent", token: sent.token, json: "{}")).text.contains("dora@example.net"))
            #expect(try await api.send(.post, base + "/recipients/\(sent.transferId)", token: sent.token, json: Self.extra).status == .ok)
        }
    }

    @Test func badAdditionalRecipientsAre1004() async throws {
        try await TestServer.run { api in
            let sent = try await api.sendTransfer(to: ["bob@example.org"])
            let base = "/api/users/\(sent.sender)/transfers/\(sent.trackingId)/emails"
            for body in [#"{"additionalRecipients": {"to": [{"mail": "not an address"}]}}"#,
                         #"{"additionalRecipients": {"cc": [{"mail": "a@b.example\r\nBcc: x@y.example"}]}}"#] {
                expectError(try await api.send(.post, base + "/sender", token: sent.token, json: body), 400, 1004)
            }
        }
    }
}
