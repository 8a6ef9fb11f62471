import Foundation
import Logging
import Testing

@testable import LDAPClient

/// End-to-end against a real Active Directory domain controller (Samba AD, see `scripts/peers/samba.sh`):
/// AD's bind name forms, its refusal of plaintext binds, its `data NNN` sub-codes, transitive group
/// membership, `proxyAddresses`, paging past 1,000 entries and the continuation reference at the root.
@Suite(.enabled(if: ActiveDirectoryPeerEnvironment.shouldRun, ActiveDirectoryPeerEnvironment.missingMessage)) // Never skipped where CI=true.
struct ActiveDirectoryPeerTests {
    private let logger: Logger = {
        guard ProcessInfo.processInfo.environment["LDAP_TEST_TRACE"] != nil else { return Logger(label: "sealdrop.ldap.ad-tests") }
        var logger = Logger(label: "sealdrop.ldap.ad-tests", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .trace
        return logger
    }()

    /// The ports with their protection and the search base each one serves (the Global Catalog's is "").
    private func endpoints(_ peer: ActiveDirectoryPeerEnvironment) -> [(port: Int, security: LDAPConfiguration.Security, base: String)] {
        [(peer.port, .startTLS, peer.baseDN), (peer.ldapsPort, .ldaps, peer.baseDN), (peer.globalCatalogPort, .startTLS, ""), (peer.globalCatalogTLSPort, .ldaps, "")]
    }

    /// A client bound as `bindName` (default: the service account as `DOMAIN\user`).
    private func client(
        _ peer: ActiveDirectoryPeerEnvironment,
        port: Int? = nil,
        security: LDAPConfiguration.Security = .startTLS,
        bindName: String? = nil,
        trustRoots: LDAPConfiguration.TrustRoots? = nil
    ) -> LDAPClient {
        LDAPClient(
            configuration: LDAPConfiguration(
                host: peer.host, port: port ?? peer.port, security: security,
                credentials: .init(bindName: bindName ?? "\(peer.domain)\\\(peer.bindUser)", password: peer.bindPassword),
                trustRoots: trustRoots ?? .system(plus: peer.caFile), timeouts: .uniform(.seconds(60))
            ),
            logger: self.logger
        )
    }

    private func people(_ peer: ActiveDirectoryPeerEnvironment, _ filter: LDAPFilter, attributes: [String] = ["mail"]) -> LDAPSearchRequest {
        LDAPSearchRequest(baseObject: "OU=People,\(peer.baseDN)", filter: filter, attributes: attributes)
    }

    @Test func theServiceAccountBindsAsDomainUserUPNAndDNOnEveryPort() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let names = ["\(peer.domain)\\\(peer.bindUser)", "\(peer.bindUser)@\(peer.dnsDomain)", peer.bindDN]
        for (port, security, base) in self.endpoints(peer) {
            for name in names {
                let client = self.client(peer, port: port, security: security, bindName: name)
                let request = LDAPSearchRequest(baseObject: base, filter: .equal("sAMAccountName", "alice"), attributes: ["mail"])
                let result = try await client.search(request)
                #expect(result.entries.map(\.dn) == [peer.personDN("alice")], "port \(port) as \(name)")
                await client.shutdown()
            }
        }
    }

    @Test func aUserPasswordIsCheckedInEveryNameForm() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        for (port, security, _) in self.endpoints(peer) {
            let client = self.client(peer, port: port, security: security)
            for name in ["\(peer.domain)\\alice", "alice@\(peer.dnsDomain)", peer.personDN("alice")] {
                try await client.authenticate(bindName: name, password: peer.userPassword)
            }
            await client.shutdown()
        }
    }

    @Test func aBindWithoutTLSIsRefusedByTheClientAndByAD() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        var configuration = LDAPConfiguration(
            host: peer.host, port: peer.port, security: .plain, credentials: .init(bindName: peer.bindDN, password: peer.bindPassword)
        )
        let client = LDAPClient(configuration: configuration, logger: self.logger)
        let local = try await #require(throws: LDAPError.self) { try await client.search(self.people(peer, .equal("sAMAccountName", "alice"))) }
        #expect(local.kind == .plaintextBindRefused)
        await client.shutdown()
        // Allowed by configuration, the password goes out and AD itself refuses: strongerAuthRequired (8).
        configuration.allowBindOverPlaintext = true
        let allowed = LDAPClient(configuration: configuration, logger: self.logger)
        let remote = try await #require(throws: LDAPError.self) { try await allowed.search(self.people(peer, .equal("sAMAccountName", "alice"))) }
        #expect(remote.kind == .bindFailed)
        #expect(remote.phase == .bind)
        #expect(remote.result?.resultCode == .strongerAuthRequired)
        #expect(remote.result?.diagnosticMessage.contains("Transport encryption required") == true)
        #expect(!remote.isTransient)
        await allowed.shutdown()
    }

    @Test func aWrongPasswordIsSubCode52eInWords() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let client = self.client(peer, port: peer.ldapsPort, security: .ldaps)
        for name in ["alice@\(peer.dnsDomain)", "\(peer.domain)\\alice", peer.personDN("alice")] {
            let error = try await #require(throws: LDAPError.self) { try await client.authenticate(bindName: name, password: "Wrong-Password-1!") }
            #expect(error.kind == .invalidCredentials)
            #expect(error.activeDirectoryBindError == .invalidCredentials, "\(name): \(error)")
            #expect(error.description.contains("the password is wrong (AD 52e)"))
            #expect(!error.description.contains("Wrong-Password-1!"))
        }
        await client.shutdown()
    }

    @Test func aDisabledAccountIsSubCode533EvenWithTheRightPassword() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let error = try await #require(throws: LDAPError.self) {
            try await client.authenticate(bindName: "carol@\(peer.dnsDomain)", password: peer.userPassword)
        }
        #expect(error.kind == .invalidCredentials)
        #expect(error.activeDirectoryBindError == .accountDisabled)
        #expect(error.description.contains("the account is disabled (AD 533)"))
        await client.shutdown()
    }

    @Test func nestedMembershipFindsAliceAndBobAndTheDisabledFilterDropsCarol() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let staff = LDAPFilter.inChain("memberOf", peer.groupDN("staff"))
        let all = try await client.search(self.people(peer, .and([.equal("objectClass", "user"), staff])))
        #expect(Set(all.entries.map(\.dn)) == Set(["alice", "bob", "carol"].map(peer.personDN)))
        let enabled = LDAPFilter.and([.equal("objectClass", "user"), staff, .not(.bitAnd("userAccountControl", 2))])
        let active = try await client.search(self.people(peer, enabled))
        #expect(Set(active.entries.map(\.dn)) == [peer.personDN("alice"), peer.personDN("bob")])
        // The same filter as an administrator would type it.
        let typed = try LDAPFilter(
            parsing: "(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=\(peer.groupDN("staff")))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
        )
        #expect(typed == enabled)
        // Direct membership (plain memberOf) sees only bob: alice is in staff through engineering.
        let direct = try await client.search(self.people(peer, .equal("memberOf", peer.groupDN("staff"))))
        #expect(direct.entries.map(\.dn) == [peer.personDN("bob")])
        await client.shutdown()
    }

    @Test func proxyAddressesAndMailAreReadable() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let client = self.client(peer, port: peer.ldapsPort, security: .ldaps)
        let result = try await client.search(self.people(peer, .equal("proxyAddresses", "smtp:robert@\(peer.dnsDomain)"), attributes: ["mail", "proxyAddresses"]))
        let bob = try #require(result.entries.first)
        #expect(result.entries.count == 1)
        #expect(bob["mail"] == ["bob@\(peer.dnsDomain)"])
        #expect(Set(bob["proxyAddresses"]) == ["SMTP:bob@\(peer.dnsDomain)", "smtp:robert@\(peer.dnsDomain)", "X500:/o=Sealdrop/cn=bob"])
        #expect(bob["proxyAddresses"].filter { $0.hasPrefix("SMTP:") } == ["SMTP:bob@\(peer.dnsDomain)"])
        await client.shutdown()
    }

    /// Windows AD caps every page at MaxPageSize (1,000) whatever is asked; Samba 4.17 reads that limit but
    /// does not enforce it (measured: 5,000 asked, 1,200 in one page; an unpaged search, even with a request
    /// size limit of 1,000, returns all 1,200), so 1,000 is asked for explicitly, as Sealdrop asks of AD, and the
    /// iteration must not depend on how many pages the server chose.
    @Test(arguments: [1000, 400, 5000]) func pagingReadsEveryBulkUserAcrossPages(pageSize: Int) async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let request = LDAPSearchRequest(baseObject: "OU=Bulk,\(peer.baseDN)", filter: .equal("objectClass", "user"), attributes: ["sAMAccountName"])
        var sizes: [Int] = []
        try await client.forEachPage(request, pageSize: pageSize) { page in sizes.append(page.entries.count) }
        #expect(sizes.allSatisfy { $0 <= pageSize }, "pages \(sizes)")
        #expect(sizes.reduce(0, +) == peer.bulkUserCount)
        if pageSize < peer.bulkUserCount { #expect(sizes.count >= 2 && sizes.first == pageSize, "pages \(sizes)") }
        let all = try await client.searchAllPages(request, pageSize: pageSize)
        #expect(all.isComplete)
        #expect(all.entries.count == peer.bulkUserCount)
        #expect(Set(all.entries.flatMap { $0["sAMAccountName"] }).count == peer.bulkUserCount)
        await client.shutdown()
    }

    @Test func theConfigurationReferenceAtTheRootIsReportedNotChased() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let client = self.client(peer)
        let request = LDAPSearchRequest(baseObject: peer.baseDN, filter: .equal("sAMAccountName", "alice"), attributes: ["cn"])
        let result = try await client.search(request)
        #expect(result.isComplete)
        #expect(result.entries.map(\.dn) == [peer.personDN("alice")])
        let uris = result.references.flatMap { $0 }
        #expect(uris.contains { $0.hasSuffix("/CN=Configuration,\(peer.baseDN)") }, "references: \(uris)")
        // A paged search at the root keeps the references of every page.
        let paged = try await client.searchAllPages(request)
        #expect(paged.entries.count == 1)
        #expect(paged.references.flatMap { $0 }.contains { $0.hasSuffix("/CN=Configuration,\(peer.baseDN)") })
        await client.shutdown()
    }

    @Test func aWrongCAIsRefusedOnEveryPort() async throws {
        guard let peer = ActiveDirectoryPeerEnvironment.require() else { return }
        let wrongCA = LDAPConfiguration.TrustRoots(useSystemRoots: false, additionalPEMFiles: [peer.wrongCAFile])
        for (port, security, base) in self.endpoints(peer) {
            let client = self.client(peer, port: port, security: security, trustRoots: wrongCA)
            let error = try await #require(throws: LDAPError.self) {
                try await client.search(LDAPSearchRequest(baseObject: base, filter: .equal("sAMAccountName", "alice")))
            }
            #expect(error.kind == .tlsFailed, "port \(port)")
            #expect(error.phase == .tlsHandshake)
            #expect(error.description.contains("\(peer.host):\(port)"))
            #expect(error.description.contains("CERTIFICATE_VERIFY_FAILED"))
            await client.shutdown()
        }
    }
}
