import Foundation
import Logging
import Testing

@testable import LDAPClient

/// End-to-end against a real OpenLDAP slapd (see `scripts/peers/slapd.sh`).
@Suite(.enabled(if: LDAPPeerEnvironment.shouldRun, LDAPPeerEnvironment.missingMessage)) // Never skipped where CI=true: shouldRun is true there, and each test fails without the peer.
struct LDAPClientRealPeerTests {
    private let logger: Logger = {
        // LDAP_TEST_TRACE=1 shows the client's own trace on stderr when a real-peer test misbehaves.
        guard ProcessInfo.processInfo.environment["LDAP_TEST_TRACE"] != nil else { return Logger(label: "sealdrop.ldap.tests") }
        var logger = Logger(label: "sealdrop.ldap.tests", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .trace
        return logger
    }()

    /// A client bound as the service account; generous timeouts because the peer shares a busy machine.
    private func client(
        _ peer: LDAPPeerEnvironment,
        port: Int? = nil,
        security: LDAPConfiguration.Security = .startTLS,
        trustRoots: LDAPConfiguration.TrustRoots? = nil,
        timeouts: LDAPConfiguration.Timeouts = .uniform(.seconds(60))
    ) -> LDAPClient {
        LDAPClient(
            configuration: LDAPConfiguration(
                host: peer.host, port: port ?? peer.port, security: security,
                credentials: .init(bindName: peer.bindDN, password: peer.bindPassword),
                trustRoots: trustRoots ?? .system(plus: peer.caFile), timeouts: timeouts
            ),
            logger: self.logger
        )
    }

    private func users(_ peer: LDAPPeerEnvironment, _ filter: LDAPFilter, attributes: [String] = ["uid", "mail"]) -> LDAPSearchRequest {
        LDAPSearchRequest(baseObject: "ou=people,\(peer.baseDN)", filter: filter, attributes: attributes)
    }

    @Test func startTLSBindAndSearchFindsAliceWithHerGroup() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let result = try await client.search(self.users(peer, .equal("uid", "alice"), attributes: ["mail", "memberOf"]))
        #expect(result.isComplete)
        let alice = try #require(result.entries.first)
        #expect(result.entries.count == 1)
        #expect(alice.dn == peer.userDN)
        #expect(alice["mail"] == ["alice@example.org"])
        #expect(alice["memberOf"] == ["cn=engineering,ou=groups,\(peer.baseDN)"])
        await client.shutdown()
    }

    @Test func ldapsAndTheGlobalCatalogStandInPortsWork() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        for (port, security) in [(peer.ldapsPort, LDAPConfiguration.Security.ldaps), (peer.globalCatalogPort, .startTLS), (peer.globalCatalogTLSPort, .ldaps)] {
            let client = self.client(peer, port: port, security: security)
            let result = try await client.search(self.users(peer, .equal("mail", "robert@example.org")))
            #expect(result.entries.map(\.dn) == ["uid=bob,ou=people,\(peer.baseDN)"], "port \(port)")
            await client.shutdown()
        }
    }

    @Test func userPasswordIsCheckedAndAWrongOneIsInvalidCredentials() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = self.client(peer, port: peer.ldapsPort, security: .ldaps)
        try await client.authenticate(bindName: peer.userDN, password: peer.userPassword)
        let wrong = try await #require(throws: LDAPError.self) { try await client.authenticate(bindName: peer.userDN, password: "wrong") }
        #expect(wrong.kind == .invalidCredentials)
        #expect(wrong.result?.resultCode == .invalidCredentials)
        #expect(wrong.result?.resultCode.rawValue == 49)
        #expect(!wrong.description.contains("wrong\""))
        let empty = try await #require(throws: LDAPError.self) { try await client.authenticate(bindName: peer.userDN, password: "") }
        #expect(empty.kind == .invalidRequest)
        await client.shutdown()
    }

    @Test func wrongServicePasswordFailsEverySearchWithInvalidCredentials() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = LDAPClient(
            configuration: LDAPConfiguration(
                host: peer.host, port: peer.port, credentials: .init(bindName: peer.bindDN, password: "not-the-password"),
                trustRoots: .system(plus: peer.caFile), timeouts: .uniform(.seconds(60))
            ),
            logger: self.logger
        )
        let error = try await #require(throws: LDAPError.self) { try await client.search(self.users(peer, .equal("uid", "alice"))) }
        #expect(error.kind == .invalidCredentials)
        #expect(error.phase == .bind)
        await client.shutdown()
    }

    @Test func anUnpagedSearchStopsAtTheSizeLimit() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let result = try await client.search(self.users(peer, .startsWith("uid", "user")))
        #expect(!result.isComplete)
        #expect(result.result.resultCode == .sizeLimitExceeded)
        #expect(result.entries.count == peer.sizeLimit)
        await client.shutdown()
    }

    @Test(arguments: [1000, 300]) func pagingReadsEveryUser(pageSize: Int) async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let request = self.users(peer, .startsWith("uid", "user"))
        var pages = 0
        try await client.forEachPage(request, pageSize: pageSize) { page in
            pages += 1
            #expect(page.entries.count <= pageSize)
        }
        #expect(pages == (peer.userCount + pageSize - 1) / pageSize)
        let all = try await client.searchAllPages(request, pageSize: pageSize)
        #expect(all.isComplete)
        #expect(all.entries.count == peer.userCount)
        #expect(Set(all.entries.map(\.dn)).count == peer.userCount)
        #expect(Set(all.entries.flatMap { $0["mail"] }).contains("user2000@example.org") == (peer.userCount >= 2000))
        await client.shutdown()
    }

    @Test func injectionValuesFindNothingAndLiteralsFindExactlyTheirEntry() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = self.client(peer)
        for hostile in ["*", "*)(uid=*", "alice)(|(uid=*", "alice\u{0}", "\\2a", "*)(objectClass=*))(|(uid=*", String(repeating: "*)(", count: 33_334)] {
            let result = try await client.search(self.users(peer, .equal("uid", hostile)))
            #expect(result.entries.isEmpty, "value \(hostile.prefix(40)) found \(result.entries.count) entries")
            #expect(result.isComplete)
        }
        // The literal star is data: exactly the one entry whose uid contains it.
        let star = try await client.search(self.users(peer, .equal("uid", "star*user")))
        #expect(star.entries.map(\.dn) == ["uid=star*user,ou=people,\(peer.baseDN)"])
        let parens = try await client.search(self.users(peer, .contains("cn", "(Paren) \\ B")))
        #expect(parens.entries.count == 1)
        // The same holds for a filter an administrator wrote as text with escapes.
        let parsed = try await client.search(self.users(peer, try LDAPFilter(parsing: "(&(uid=star\\2auser)(mail=*))")))
        #expect(parsed.entries.count == 1)
        await client.shutdown()
    }

    @Test func anEscapedDNFindsTheEntryWithACommaInItsName() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let people = try LDAPDistinguishedName(parsing: "ou=people,\(peer.baseDN)")
        let dn = LDAPDistinguishedName(rdn: .init(type: "cn", value: "Smith, John"), parent: people)
        let result = try await client.search(LDAPSearchRequest(baseObject: dn.description, scope: .baseObject, filter: .present(attribute: "objectClass"), attributes: ["uid"]))
        #expect(result.entries.map { $0["uid"] } == [["jsmith"]])
        let parsed = try LDAPDistinguishedName(parsing: try #require(result.entries.first).dn)
        #expect(parsed.rdns.first?.attributes.first?.value == "Smith, John")
        // A name that does not exist is the server's typed refusal, not an empty success.
        let missing = LDAPDistinguishedName(rdn: .init(type: "cn", value: "Nobody,ou=people"), parent: people)
        let error = try await #require(throws: LDAPError.self) {
            try await client.search(LDAPSearchRequest(baseObject: missing.description, scope: .baseObject, filter: .present(attribute: "objectClass")))
        }
        #expect(error.kind == .operationFailed)
        #expect(error.result?.resultCode == .noSuchObject)
        await client.shutdown()
    }

    @Test func aWrongCAIsRefusedNamingHostAndPort() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let wrongCA = LDAPConfiguration.TrustRoots(useSystemRoots: false, additionalPEMFiles: [peer.wrongCAFile])
        for (port, security) in [(peer.port, LDAPConfiguration.Security.startTLS), (peer.ldapsPort, .ldaps)] {
            for trust in [wrongCA, LDAPConfiguration.TrustRoots.system] {
                let client = self.client(peer, port: port, security: security, trustRoots: trust)
                let error = try await #require(throws: LDAPError.self) { try await client.search(self.users(peer, .equal("uid", "alice"))) }
                #expect(error.kind == .tlsFailed, "port \(port)")
                #expect(error.phase == .tlsHandshake)
                #expect(error.description.contains("\(peer.host):\(port)"))
                #expect(error.description.contains("CERTIFICATE_VERIFY_FAILED"))
                await client.shutdown()
            }
        }
    }

    @Test func aMissingCAFileIsATLSError() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        let client = self.client(peer, trustRoots: .system(plus: "/nonexistent/ca.pem"))
        let error = try await #require(throws: LDAPError.self) { try await client.search(self.users(peer, .equal("uid", "alice"))) }
        #expect(error.kind == .tlsFailed)
        #expect(error.description.contains("/nonexistent/ca.pem"))
        await client.shutdown()
    }

    @Test func aPlainBindIsRefusedUnlessAllowed() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        var configuration = LDAPConfiguration(
            host: peer.host, port: peer.port, security: .plain, credentials: .init(bindName: peer.bindDN, password: peer.bindPassword)
        )
        let refused = LDAPClient(configuration: configuration, logger: self.logger)
        let error = try await #require(throws: LDAPError.self) { try await refused.search(self.users(peer, .equal("uid", "alice"))) }
        #expect(error.kind == .plaintextBindRefused)
        await refused.shutdown()
        configuration.allowBindOverPlaintext = true
        let allowed = LDAPClient(configuration: configuration, logger: self.logger)
        #expect(try await allowed.search(self.users(peer, .equal("uid", "alice"))).entries.count == 1)
        await allowed.shutdown()
    }

    /// Stops, pauses and restarts the second slapd; one test so the steps never overlap.
    @Test func stoppedAndSlowServersGiveTypedErrorsAndThePoolRecovers() async throws {
        guard let peer = LDAPPeerEnvironment.require() else { return }
        try await peer.exclusively {
            var timeouts = LDAPConfiguration.Timeouts.uniform(.seconds(60))
            timeouts.search = .seconds(2)
            let client = self.client(peer, port: peer.restartablePort, timeouts: timeouts)
            let request = self.users(peer, .equal("uid", "alice"))
            defer { try? peer.control("resume") }
            #expect(try await client.search(request).entries.count == 1)

            // Stopped: the pooled connection is gone and nothing listens; the next search fails typed.
            try peer.control("stop")
            let down = try await #require(throws: LDAPError.self) { try await client.search(request) }
            #expect([LDAPError.Kind.connectFailed, .connectionClosed].contains(down.kind))
            #expect(down.isTransient)
            #expect(down.description.contains("\(peer.host):\(peer.restartablePort)"))

            // Restarted: the same client reconnects by itself.
            try peer.control("start")
            #expect(try await client.search(request).entries.count == 1)

            // Frozen (SIGSTOP): the search deadline turns the silence into a timeout.
            try peer.control("pause")
            let slow = try await #require(throws: LDAPError.self) { try await client.search(request) }
            #expect(slow.kind == .timeout)
            #expect(slow.phase == .search)
            try peer.control("resume")
            #expect(try await client.search(request).entries.count == 1)
            await client.shutdown()
        }
    }
}
