import Foundation
import Logging
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp

/// `LDAPDirectory` against a real OpenLDAP (slapd, memberof overlay): membership, escaping, the cache, and
/// fail-closed while the directory is down with recovery once it is back.
@Suite(.enabled(if: DirectoryPeers.slapdShouldRun, DirectoryPeers.slapdMissing), .serialized) // Never skipped where CI=true.
struct LDAPDirectorySlapdTests {
    static let logger = Logger(label: "sealdrop.directory.tests")

    /// A directory over the slapd peer at `url` (default: its LDAPS port).
    static func directory(_ peer: DirectoryPeers.Slapd, url: String? = nil, trustCA: String? = nil,
                          _ change: (inout DirectorySettings) -> Void = { _ in }) -> (LDAPDirectory, SettingsStore) {
        var settings = SealdropSettings()
        settings.directory.enabled = true
        settings.directory.type = .openLDAP
        settings.directory.userFilter = DirectorySettings.preset(.openLDAP).userFilter
        settings.directory.mailAttributes = ["mail"]
        settings.directory.groupMembership = .memberOf
        settings.directory.urls = [url ?? "ldaps://\(peer.host):\(peer.ldapsPort)"]
        settings.directory.bindDN = peer.bindDN
        settings.directory.bindPassword = peer.bindPassword
        settings.directory.baseDN = peer.baseDN
        settings.directory.timeoutSeconds = 5
        change(&settings.directory)
        let store = SettingsStore(settings)
        return (LDAPDirectory(settings: store, trustCAPath: trustCA ?? peer.caFile, logger: logger), store)
    }

    @Test func aMemberMatchesAGroupRuleAndANonMemberDoesNot() async throws {
        guard let peer = DirectoryPeers.requireSlapd() else { return }
        let (directory, _) = Self.directory(peer)
        defer { Task { await directory.shutdown() } }
        let engineering = DirectorySelection.group(peer.groupDN("engineering"))
        #expect(try await directory.isMember("alice@example.org", engineering))
        #expect(try await !directory.isMember("bob@example.org", engineering))
        #expect(try await directory.isMember("robert@example.org", .group(peer.groupDN("staff"))), "bob's second mail value")
        #expect(try await !directory.isMember("nobody@example.org", engineering))
        #expect(try await directory.isMember("alice@example.org", .user("UID=alice, OU=people," + peer.baseDN.uppercased())))
        #expect(try await directory.isMember("alice@example.org", .filter("(cn=Alice*)")))
        #expect(try await !directory.isMember("bob@example.org", .filter("(cn=Alice*)")))
    }

    @Test func theMemberMethodAsksTheGroup() async throws {
        guard let peer = DirectoryPeers.requireSlapd() else { return }
        let (directory, _) = Self.directory(peer) { $0.groupMembership = .member }
        defer { Task { await directory.shutdown() } }
        #expect(try await directory.isMember("bob@example.org", .group(peer.groupDN("staff"))))
        #expect(try await !directory.isMember("alice@example.org", .group(peer.groupDN("staff"))), "direct members only")
        #expect(try await !directory.isMember("bob@example.org", .group("cn=deleted,ou=groups," + peer.baseDN)), "a missing group is no")
    }

    @Test func filterInjectionThroughAddressesMatchesNobody() async throws {
        guard let peer = DirectoryPeers.requireSlapd() else { return }
        let (directory, _) = Self.directory(peer)
        defer { Task { await directory.shutdown() } }
        // `filter:(objectClass=*)` matches every user that is found: only a found user can make it true.
        let anyone = DirectorySelection.filter("(objectClass=*)")
        #expect(try await directory.isMember("alice@example.org", anyone))
        for hostile in ["*", "*)(uid=*", "*)(|(mail=*", "\\2a", "alice@example.org\u{0}", "alice@example.org)(mail=*", "*@example.org"] {
            #expect(try await !directory.isMember(hostile, anyone), "\(hostile.debugDescription)")
        }
    }

    @Test func aWrongCertificateAuthorityFailsClosed() async throws {
        guard let peer = DirectoryPeers.requireSlapd() else { return }
        let (directory, _) = Self.directory(peer, trustCA: peer.wrongCAFile)
        defer { Task { await directory.shutdown() } }
        await #expect(throws: DirectoryError.self) { try await directory.isMember("alice@example.org", .group(peer.groupDN("engineering"))) }
        #expect(directory.health.isFailing)
    }

    /// The restartable slapd: answered once, stopped, answered from the cache; a new question fails closed and
    /// shows on the status; started again, the same directory object recovers.
    @Test func theCacheAnswersWhileDownAndTheDirectoryRecovers() async throws {
        guard let peer = DirectoryPeers.requireSlapd() else { return }
        try await DirectoryPeers.exclusively(peer.restartableControl) {
            let (directory, store) = Self.directory(peer, url: "ldap://\(peer.host):\(peer.restartablePort)")
            defer { Task { await directory.shutdown() } }
            defer { try? DirectoryPeers.control(peer.restartableControl, "start") }
            let engineering = DirectorySelection.group(peer.groupDN("engineering"))
            let clock = ContinuousClock()
            var member = false
            let cold = try await clock.measure { member = try await directory.isMember("alice@example.org", engineering) }
            #expect(member)
            let warm = try await clock.measure { member = try await directory.isMember("alice@example.org", engineering) }
            #expect(member)
            print("directory lookup (StartTLS, bind, 2 searches): cold \(cold), warm (cached) \(warm)")

            try DirectoryPeers.control(peer.restartableControl, "stop")
            #expect(try await directory.isMember("alice@example.org", engineering), "answered by the cache, the server is stopped")
            #expect(try await directory.isMember("alice@example.org", .user(peer.personDN("alice"))),
                    "alice's entry was found once and is cached too: a user: selection needs no server")
            await #expect(throws: DirectoryError.self) { try await directory.isMember("bob@example.org", engineering) }
            let health = directory.health
            #expect(health.isFailing)
            #expect(health.lastFailure?.message.contains("\(peer.host):\(peer.restartablePort)") == true)

            // Through the policy: a rule for the group refuses the sender, and says why.
            store.update { $0.policyRules.rules = [PolicyRule(name: "engineering", sender: .init(ldap: ["group:" + peer.groupDN("engineering")]))] }
            let policy = PolicyService(settings: store, directory: directory)
            let refused = await policy.explain(sender: try #require(EmailAddress("bob@example.org")), recipients: [], clientIP: nil)
            #expect(!refused.senderAllowed)
            #expect(refused.directoryProblem?.contains("\(peer.restartablePort)") == true)

            try DirectoryPeers.control(peer.restartableControl, "start")
            #expect(try await !directory.isMember("bob@example.org", engineering))
            #expect(try await directory.isMember("alice@example.org", .filter("(uid=alice)")))
            #expect(!directory.health.isFailing)
            let allowed = await policy.explain(sender: try #require(EmailAddress("alice@example.org")), recipients: [], clientIP: nil)
            #expect(allowed.senderAllowed)
        }
    }

    @Test func changedSettingsRebuildTheClientsAndEmptyTheCache() async throws {
        guard let peer = DirectoryPeers.requireSlapd() else { return }
        let (directory, store) = Self.directory(peer)
        defer { Task { await directory.shutdown() } }
        let engineering = DirectorySelection.group(peer.groupDN("engineering"))
        #expect(try await directory.isMember("alice@example.org", engineering))
        store.update { $0.directory.urls = ["ldap://127.0.0.1:1"] }
        await #expect(throws: DirectoryError.self) { try await directory.isMember("alice@example.org", engineering) }
        store.update { $0.directory.enabled = false }
        await #expect(throws: DirectoryError.self) { try await directory.isMember("alice@example.org", engineering) }
    }

    @Test func theCheckReportsEachStepInTheServersWords() async throws {
        guard let peer = DirectoryPeers.requireSlapd() else { return }
        let (directory, store) = Self.directory(peer)
        var settings = store.current.directory
        settings.urls = ["ldap://127.0.0.1:1", "ldaps://\(peer.host):\(peer.ldapsPort)"]
        let steps = await directory.check(settings, testAddress: "alice@example.org")
        #expect(steps.map(\.step) == ["connect", "connect", "tls", "bind", "search"])
        #expect(steps.map(\.ok) == [false, true, true, true, true])
        #expect(steps[0].detail.contains("127.0.0.1:1"))
        #expect(steps[1].detail == "ldaps://\(peer.host):\(peer.ldapsPort)")
        #expect(steps[4].detail == "found alice@example.org as \(peer.personDN("alice"))")
        settings.bindPassword = "wrong"
        let refused = await directory.check(settings, testAddress: nil)
        #expect(refused.map(\.step) == ["connect", "connect", "tls", "bind"])
        #expect(refused.last?.ok == false && refused.last?.detail.contains("invalidCredentials") == true)
    }
}

/// `LDAPDirectory` against Samba AD: nested groups through `inChain`, disabled accounts, `proxyAddresses`
/// aliases and the AD bind name forms.
@Suite(.enabled(if: DirectoryPeers.adShouldRun, DirectoryPeers.adMissing)) // Never skipped where CI=true.
struct LDAPDirectoryActiveDirectoryTests {
    static func directory(_ peer: DirectoryPeers.ActiveDirectory, bindName: String? = nil) -> LDAPDirectory {
        var settings = SealdropSettings()
        settings.directory.enabled = true
        settings.directory.urls = ["ldaps://\(peer.host):\(peer.ldapsPort)", "ldap://\(peer.host):\(peer.port)"]
        settings.directory.bindDN = bindName ?? "\(peer.domain)\\\(peer.bindUser)"
        settings.directory.bindPassword = peer.bindPassword
        settings.directory.baseDN = peer.baseDN
        settings.directory.timeoutSeconds = 20
        return LDAPDirectory(settings: SettingsStore(settings), trustCAPath: peer.caFile, logger: LDAPDirectorySlapdTests.logger)
    }

    @Test func nestedMembersMatchThroughInChain() async throws {
        guard let peer = DirectoryPeers.requireActiveDirectory() else { return }
        let directory = Self.directory(peer)
        defer { Task { await directory.shutdown() } }
        let staff = DirectorySelection.group(peer.groupDN("staff")), engineering = DirectorySelection.group(peer.groupDN("engineering"))
        #expect(try await directory.isMember("alice@\(peer.dnsDomain)", staff), "alice is in staff through engineering")
        #expect(try await directory.isMember("bob@\(peer.dnsDomain)", staff))
        #expect(try await !directory.isMember("bob@\(peer.dnsDomain)", engineering))
    }

    @Test func aDisabledAccountNeverMatches() async throws {
        guard let peer = DirectoryPeers.requireActiveDirectory() else { return }
        let directory = Self.directory(peer)
        defer { Task { await directory.shutdown() } }
        let carol = "carol@\(peer.dnsDomain)"
        #expect(try await !directory.isMember(carol, .group(peer.groupDN("engineering"))), "carol is a member, but disabled")
        #expect(try await !directory.isMember(carol, .user(peer.personDN("carol"))))
        #expect(try await !directory.isMember(carol, .filter("(objectClass=*)")))
    }

    @Test func proxyAddressAliasesMatch() async throws {
        guard let peer = DirectoryPeers.requireActiveDirectory() else { return }
        let directory = Self.directory(peer, bindName: "\(peer.bindUser)@\(peer.dnsDomain)")
        defer { Task { await directory.shutdown() } }
        #expect(try await directory.isMember("alice.alias@\(peer.dnsDomain)", .user(peer.personDN("alice"))))
        #expect(try await directory.isMember("ROBERT@\(peer.dnsDomain.uppercased())", .group(peer.groupDN("staff"))))
        #expect(try await !directory.isMember("x500:/o=Sealdrop/cn=bob", .user(peer.personDN("bob"))), "only smtp: values are addresses")
    }

    @Test func filterInjectionThroughAddressesMatchesNobody() async throws {
        guard let peer = DirectoryPeers.requireActiveDirectory() else { return }
        let directory = Self.directory(peer)
        defer { Task { await directory.shutdown() } }
        let anyone = DirectorySelection.filter("(objectClass=*)")
        #expect(try await directory.isMember("alice@\(peer.dnsDomain)", anyone))
        for hostile in ["*", "*)(sAMAccountName=*", "*)(|(mail=*", "\\2a", "alice@\(peer.dnsDomain)\u{0}", "*@\(peer.dnsDomain)"] {
            #expect(try await !directory.isMember(hostile, anyone), "\(hostile.debugDescription)")
        }
    }
}
