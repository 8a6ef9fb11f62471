import Foundation
import LDAPClient
import SealdropCore
import Testing
@testable import SealdropApp

/// The searches a directory lookup sends and how answers are read, without a server: escaping, presets,
/// disabled accounts, DN comparison and the bounded cache.
@Suite struct DirectoryQueryTests {
    static func settings(_ type: DirectorySettings.ServerType = .activeDirectory) throws -> DirectorySettings {
        try JSONDecoder().decode(DirectorySettings.self, from: Data(#"{"type": "\#(type.rawValue)", "baseDN": "dc=example,dc=org"}"#.utf8))
    }

    @Test func addressesAreValuesNeverFilterText() throws {
        for hostile in ["*)(uid=*", "*", "\\2a", "a\u{0}b", "x)(|(objectClass=*"] {
            let request = try DirectoryQuery.userSearch(hostile, try Self.settings())
            guard case .and(let parts) = request.filter, case .or(let alternatives) = parts[1] else {
                Issue.record("not (&user(|…)): \(request.filter)")
                continue
            }
            #expect(alternatives == [.equalityMatch(attribute: "mail", value: Array(hostile.utf8)),
                                     .equalityMatch(attribute: "proxyAddresses", value: Array(("smtp:" + hostile).utf8))])
            // The string form escapes every special octet: no new filter component can appear.
            #expect(!request.filter.description.contains("(uid=*"))
            #expect(!request.filter.description.contains("\u{0}"))
        }
    }

    @Test func presetsFollowTheServerType() throws {
        let ad = try Self.settings(.activeDirectory), openLDAP = try Self.settings(.openLDAP), domino = try Self.settings(.domino)
        #expect(ad.groupMembership == .inChain && ad.mailAttributes == ["mail", "proxyAddresses"])
        #expect(openLDAP.groupMembership == .memberOf && openLDAP.userFilter == "(objectClass=inetOrgPerson)")
        #expect(domino.userFilter == "(objectClass=dominoPerson)" && domino.groupMembership == .member)
        // An empty filter or attribute list (a form left empty) takes the preset too.
        let emptied = try JSONDecoder().decode(DirectorySettings.self, from: Data(#"{"type": "openLDAP", "userFilter": "", "mailAttributes": []}"#.utf8))
        #expect(emptied.userFilter == openLDAP.userFilter && emptied.mailAttributes == ["mail"])
    }

    @Test func membershipIsAskedByTheConfiguredMethod() throws {
        var settings = try Self.settings()
        let user = "CN=alice,OU=People,DC=x", group = "CN=staff,OU=Groups,DC=x"
        settings.groupMembership = .inChain
        #expect(DirectoryQuery.groupTest(userDN: user, groupDN: group, settings).filter.description == "(memberOf:1.2.840.113556.1.4.1941:=CN=staff,OU=Groups,DC=x)")
        #expect(DirectoryQuery.groupTest(userDN: user, groupDN: group, settings).baseObject == user)
        settings.groupMembership = .member
        let member = DirectoryQuery.groupTest(userDN: user, groupDN: group, settings)
        #expect(member.baseObject == group && member.scope == .baseObject && member.filter == .equal("member", user))
    }

    @Test func disabledAccountsAreNeverTheUser() throws {
        let enabled = LDAPEntry(dn: "CN=a", attributes: [LDAPAttribute(type: "userAccountControl", strings: ["66048"])])
        let disabled = LDAPEntry(dn: "CN=c", attributes: [LDAPAttribute(type: "userAccountControl", strings: ["66050"])])
        let openLDAP = LDAPEntry(dn: "uid=b", attributes: [])
        #expect(try DirectoryQuery.user(in: [disabled], address: "c@x") == nil)
        #expect(try DirectoryQuery.user(in: [disabled, enabled], address: "a@x")?.dn == "CN=a")
        #expect(try DirectoryQuery.user(in: [openLDAP], address: "b@x")?.dn == "uid=b")
        #expect(throws: DirectoryError.self) { try DirectoryQuery.user(in: [enabled, openLDAP], address: "a@x") }
    }

    @Test func distinguishedNamesCompareNormalised() {
        #expect(DirectoryQuery.normalizedDN("CN=Alice, OU=People,DC=Example,DC=org") == DirectoryQuery.normalizedDN("cn=alice,ou=people,dc=example,dc=org"))
        #expect(DirectoryQuery.normalizedDN("cn=alice,ou=people") != DirectoryQuery.normalizedDN("cn=alice2,ou=people"))
        #expect(DirectoryQuery.normalizedDN("cn=Smith\\, John,ou=people") == DirectoryQuery.normalizedDN("CN=smith\\2C john,OU=People"))
    }

    @Test func theCacheExpiresAndStaysBounded() {
        var cache = DirectoryAnswerCache<Bool>(capacity: 3)
        let now = Date()
        cache.store(true, for: "a", expires: now.addingTimeInterval(10), now: now)
        cache.store(false, for: "b", expires: now.addingTimeInterval(20), now: now)
        #expect(cache.answer(for: "a", now: now) == true)
        #expect(cache.answer(for: "b", now: now) == false)
        #expect(cache.answer(for: "a", now: now.addingTimeInterval(11)) == nil)
        for index in 0..<100 { cache.store(true, for: "k\(index)", expires: now.addingTimeInterval(Double(30 + index)), now: now) }
        #expect(cache.count == 3)
        #expect(cache.answer(for: "k99", now: now) == true)
    }

    @Test func validationNamesTheKey() throws {
        var settings = try Self.settings()
        settings.enabled = true
        settings.urls = ["http://dc1"]
        settings.bindDN = "EXAMPLE\\svc"
        settings.userFilter = "objectClass=user"
        settings.cacheSeconds = 0
        let errors = settings.validationErrors()
        for key in ["directory.urls", "directory.bindPassword", "directory.userFilter", "directory.cacheSeconds"] {
            #expect(errors.contains { $0.hasPrefix(key + " ") }, "\(key) in \(errors)")
        }
        settings.urls = ["ldap://dc1.example.org", "ldaps://[2001:db8::1]:3269", "LDAPS://dc2:636/"]
        settings.bindPassword = "secret"
        settings.userFilter = "(&(objectClass=user)(objectCategory=person))"
        settings.cacheSeconds = 60
        #expect(settings.validationErrors() == [])
    }
}

extension DirectoryQueryTests {
    /// Real servers cut a value at a NUL (`alice@x\0` finds alice): such addresses are never asked.
    @Test func addressesWithControlCharactersAreNeverAsked() {
        #expect(DirectoryQuery.isAskable("alice@example.org"))
        for address in ["alice@example.org\u{0}", "a\nb@example.org", "a\u{7F}@example.org", "", String(repeating: "a", count: 321)] {
            #expect(!DirectoryQuery.isAskable(address), "\(address.debugDescription)")
        }
    }
}
