import Testing

@testable import LDAPClient

/// RFC 4514 DN escaping and parsing.
@Suite struct LDAPDistinguishedNameTests {
    @Test(arguments: [
        ("Smith, John", "Smith\\, John"),
        ("a+b", "a\\+b"),
        ("\"quoted\"", "\\\"quoted\\\""),
        ("<tag>;x", "\\<tag\\>\\;x"),
        ("back\\slash", "back\\\\slash"),
        ("#hash", "\\#hash"),
        ("in#side", "in#side"),
        (" lead and trail ", "\\ lead and trail\\ "),
        ("nul\u{0}x", "nul\\00x"),
        ("uid=admin,dc=evil", "uid\\=admin\\,dc\\=evil"),
        ("Jörg", "Jörg"),
    ])
    func valuesAreEscaped(value: String, escaped: String) throws {
        #expect(LDAPDistinguishedName.escape(value) == escaped)
        // Escaped into a DN, the value reads back as one RDN value.
        let dn = LDAPDistinguishedName(rdn: .init(type: "cn", value: value), parent: try LDAPDistinguishedName(parsing: "ou=people,dc=example,dc=org"))
        let parsed = try LDAPDistinguishedName(parsing: dn.description)
        #expect(parsed.rdns.count == 4)
        #expect(parsed.rdns[0].attributes == [.init(type: "cn", value: value)])
    }

    @Test func parsesRDNsIncludingMultiValuedAndHexForms() throws {
        let dn = try LDAPDistinguishedName(parsing: "CN=Smith\\2C John+uid=js,OU=Sales\\, EMEA,DC=example,DC=org")
        #expect(dn.rdns.count == 4)
        #expect(dn.rdns[0].attributes == [.init(type: "CN", value: "Smith, John"), .init(type: "uid", value: "js")])
        #expect(dn.rdns[1].attributes == [.init(type: "OU", value: "Sales, EMEA")])
        let hex = try LDAPDistinguishedName(parsing: "1.3.6.1.4.1.1466.0=#04024869,O=Test")
        #expect(hex.rdns[0].attributes[0].value == "#04024869")
        #expect(hex.rdns[0].attributes[0].isHexString)
        // A text value that merely looks like a hexstring is escaped, so it stays text.
        #expect(LDAPDistinguishedName([.init(type: "cn", value: "#0402")]).description == "cn=\\#0402")
        #expect(hex.description == "1.3.6.1.4.1.1466.0=#04024869,O=Test")
        #expect(try LDAPDistinguishedName(parsing: "CN=J\\C3\\B6rg,DC=x").rdns[0].attributes[0].value == "Jörg")
    }

    @Test func acceptsSpacesAfterSeparatorsAsADToolsWriteThem() throws {
        let dn = try LDAPDistinguishedName(parsing: "CN=Alice, OU=People, DC=example, DC=org")
        #expect(dn.description == "CN=Alice,OU=People,DC=example,DC=org")
        #expect(try LDAPDistinguishedName(parsing: "").rdns.isEmpty)
    }

    @Test(arguments: ["cn", "=x", "cn=a,", "cn=a\\", "cn=a\\z", "c n=x", "cn=a\"b", "cn=#zz", "cn=#123", ",dc=x", "cn=a<b", "1cn=x"])
    func malformedDNsAreRejected(text: String) {
        #expect(throws: LDAPDistinguishedNameError.self) { try LDAPDistinguishedName(parsing: text) }
    }
}
