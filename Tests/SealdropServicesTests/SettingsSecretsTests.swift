import Crypto
import Foundation
import Logging
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import SealdropStore
import Testing

/// The relay password in the persisted settings: sealed with the server key at rest, opened at start, a
/// plaintext value from an older version sealed on the next start; a change of where mail goes is audited.
@Suite struct SettingsSecretsTests {
    typealias Fixture = AdminServicesTests.Fixture

    @Test func theRelayPasswordIsSealedAtRestAndComesBackAfterARestart() async throws {
        let f = try Fixture()
        let logger = Logger(label: "sealdrop.tests")
        let store = SettingsStore(SealdropSettings())
        let runtime = RuntimeSettings(store: store, repository: f.database, audit: f.audit, serverKey: f.serverKey, pinnedJSON: nil, logger: logger)
        let relay = "smtps://mailer%40corp:Pl41n-S3cret%2Fx@relay.example.org:465"
        try await runtime.apply(actor: "root") { (s: inout SealdropSettings) throws(AdminError) in s.mail.relayURL = relay }
        let row = try #require(try await f.database.persistedSettings())
        #expect(!row.contains("Pl41n-S3cret") && !row.contains("Pl41n"))
        let stored = try #require(SettingsJSON.object(row))
        #expect((stored["mail"] as? [String: Any])?["relayURL"] as? String == "smtps://mailer%40corp@relay.example.org:465")
        #expect(stored[SettingsSecrets.member] != nil)
        // The change tells the other administrators, without the secret.
        let routing = try #require(try await runtime.recentMailRoutingChanges().first)
        #expect(routing.actor == "root" && routing.target == "mail.relayURL" && !(routing.newValue ?? "").contains("Pl41n"))

        let restarted = SettingsStore(SealdropSettings())
        try await RuntimeSettings(store: restarted, repository: f.database, audit: f.audit, serverKey: f.serverKey, pinnedJSON: nil, logger: logger).loadPersisted()
        #expect(restarted.current.mail.relayURL == relay)
        // Another server key opens nothing: the relay comes back without its password.
        let stranger = SettingsStore(SealdropSettings())
        try await RuntimeSettings(store: stranger, repository: f.database, audit: f.audit, serverKey: try ServerKey(key: SymmetricKey(size: .bits256)),
                                  pinnedJSON: nil, logger: logger).loadPersisted()
        #expect(stranger.current.mail.relayURL == "smtps://mailer%40corp@relay.example.org:465")
    }

    @Test func aPlaintextRelayPasswordFromAnOlderVersionIsSealedAtStart() async throws {
        let f = try Fixture()
        try await f.database.persistSettings(#"{"mail": {"relayURL": "smtp://u:legacy-secret@relay.example.org:25"}, "policy": {"defaultRetentionDays": 4}}"#, at: Date())
        let store = SettingsStore(SealdropSettings())
        try await RuntimeSettings(store: store, repository: f.database, audit: f.audit, serverKey: f.serverKey, pinnedJSON: nil,
                                  logger: Logger(label: "sealdrop.tests")).loadPersisted()
        #expect(store.current.mail.relayURL == "smtp://u:legacy-secret@relay.example.org:25")
        #expect(store.current.policy.defaultRetentionDays == 4)
        let row = try #require(try await f.database.persistedSettings())
        #expect(!row.contains("legacy-secret"))
        #expect((SettingsJSON.object(row)?["mail"] as? [String: Any])?["relayURL"] as? String == "smtp://u@relay.example.org:25")
        let again = SettingsStore(SealdropSettings())
        try await RuntimeSettings(store: again, repository: f.database, audit: f.audit, serverKey: f.serverKey, pinnedJSON: nil,
                                  logger: Logger(label: "sealdrop.tests")).loadPersisted()
        #expect(again.current == store.current)
    }
}
