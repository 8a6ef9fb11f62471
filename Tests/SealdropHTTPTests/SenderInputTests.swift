import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SealdropHTTP
import Testing

/// What senders type and hold, end to end: names and file names shown safely on pages and in mails,
/// removed identities revoked on the server, verification codes limited per source.
@Suite struct SenderInputTests {
    typealias Browser = RetrievePagesTests.Browser

    /// Over a real connection the client's address reaches the limits: fresh client ids from one address
    /// are cut at the per-source limit.
    @Test func codeRequestsFromOneAddressAreCutWhateverTheClientIds() async throws {
        let test = try TestServer.make(settings: #"{"verification": {"maxCodeRequestsPerSourcePer10Minutes": 4}}"#)
        defer { try? FileManager.default.removeItem(atPath: test.directory) }
        let app = Application(router: test.server.userRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              logger: AdminClient.quiet)
        try await app.test(.live) { client in
            let api = API(client: client, server: test.server, dataDirectory: test.directory + "/data")
            var statuses: [Int] = []
            for i in 0..<8 {
                let r = try await api.send(.post, "/api/users/victim\(i)@example.com/verification/code/email", clientId: API.newClientId())
                statuses.append(Int(r.status.code))
                if r.status.code == 429 { expectError(r, 429, 2007) }
            }
            #expect(statuses == [200, 200, 200, 200, 429, 429, 429, 429])
        }
    }
}
