import SwiftASN1
import Testing

@testable import LDAPClient

/// RFC 4515 filters: escaping of every value, the parser for administrators' filters, the BER encoding.
@Suite struct LDAPFilterTests {
    @Test(arguments: [
        ("*)(uid=*", "(mail=\\2a\\29\\28uid=\\2a)"),
        ("*", "(mail=\\2a)"),
        ("a\u{0}b", "(mail=a\\00b)"),
        ("\\2a", "(mail=\\5c2a)"),
        ("x)(|(objectClass=*)", "(mail=x\\29\\28|\\28objectClass=\\2a\\29)"),
        ("Jörg", "(mail=J\\c3\\b6rg)"),
        ("line\nbreak", "(mail=line\\0abreak)"),
        ("plain.user@example.org", "(mail=plain.user@example.org)"),
    ])
    func renderingEscapesInjectionAttempts(value: String, rendered: String) throws {
        let filter = LDAPFilter.equal("mail", value)
        #expect(filter.description == rendered)
        // The text reads back as exactly one equality match with the original value.
        #expect(try LDAPFilter(parsing: filter.description) == filter)
    }

    @Test func substringPartsAreEscapedButTheirStarsAreNot() {
        let filter = LDAPFilter.substrings(attribute: "cn", initial: Array("a*".utf8), any: [Array("(b)".utf8)], final: Array("c\\".utf8))
        #expect(filter.description == "(cn=a\\2a*\\28b\\29*c\\5c)")
        #expect(LDAPFilter.contains("cn", "*").description == "(cn=*\\2a*)")
    }

    @Test func composedFiltersRenderAsTheRFCShowsThem() {
        let filter = LDAPFilter.and([
            .equal("objectClass", "user"),
            .or([.equal("mail", "a@x"), .equal("proxyAddresses", "smtp:a@x")]),
            .not(.bitAnd("userAccountControl", 2)),
            .inChain("memberOf", "CN=Staff,OU=Groups,DC=example,DC=org"),
            .greaterOrEqual(attribute: "uidNumber", value: Array("1000".utf8)),
            .lessOrEqual(attribute: "uidNumber", value: Array("2000".utf8)),
            .approxMatch(attribute: "sn", value: Array("smith".utf8)),
            .extensibleMatch(matchingRule: "2.5.13.5", attribute: nil, value: Array("Dino".utf8), dnAttributes: true),
        ])
        #expect(
            filter.description
                == "(&(objectClass=user)(|(mail=a@x)(proxyAddresses=smtp:a@x))(!(userAccountControl:1.2.840.113556.1.4.803:=2))"
                + "(memberOf:1.2.840.113556.1.4.1941:=CN=Staff,OU=Groups,DC=example,DC=org)(uidNumber>=1000)(uidNumber<=2000)"
                + "(sn~=smith)(:dn:2.5.13.5:=Dino))"
        )
    }

    @Test func aHundredThousandCharacterValueStaysOneValue() throws {
        let value = String(repeating: "*)(", count: 33_334)
        let filter = LDAPFilter.equal("mail", value)
        let text = filter.description
        #expect(!text.dropFirst().dropLast().contains("("))
        #expect(try LDAPFilter(parsing: text) == filter)
        let search = LDAPMessage(messageID: 1, operation: .searchRequest(LDAPSearchRequest(baseObject: "", filter: filter)))
        #expect(try LDAPMessage(berEncoded: try search.serializedBytes()[...]) == search)
    }

    @Test(arguments: [
        "(uid=alice)", "(&(objectClass=person)(mail=*))", "(|(cn=a*)(cn=*b)(cn=*c*d*))", "(!(uid=x))",
        "(memberOf:1.2.840.113556.1.4.1941:=CN=G,DC=x)", "(cn:caseExactMatch:=Fred)", "(:dn:2.4.6.8.10:=Dino)",
        "(o:dn:=Ace Industry)", "(uid=\\2a)", "(sn;lang-de=M\\c3\\bcller)", "(&)", "(|)", "(2.5.4.3=x)",
        "(userAccountControl:1.2.840.113556.1.4.803:=2)", "(age>=21)", "(age<=65)", "(sn~=smyth)",
    ])
    func validFiltersParseAndRenderBack(text: String) throws {
        let filter = try LDAPFilter(parsing: text)
        #expect(filter.description == text)
    }

    @Test func parserReadsTheRightStructure() throws {
        #expect(try LDAPFilter(parsing: "(cn=*)") == .present(attribute: "cn"))
        #expect(try LDAPFilter(parsing: "(cn=a*)") == .substrings(attribute: "cn", initial: Array("a".utf8), any: [], final: nil))
        #expect(try LDAPFilter(parsing: " (uid=\\5c\\28) ") == .equal("uid", "\\("))
        #expect(try LDAPFilter(parsing: "uid=bare") == .equal("uid", "bare"))
        #expect(
            try LDAPFilter(parsing: "(memberOf:1.2.840.113556.1.4.1941:=CN=G,DC=x)")
                == .inChain("memberOf", "CN=G,DC=x")
        )
    }

    @Test(arguments: [
        "", "(", ")", "()", "(uid=alice", "uid=alice)", "(uid=alice))", "(&(uid=a)", "(uid=a)(uid=b)",
        "(=x)", "(uid)", "(uid=a(b)", "(uid=a)b)", "(uid=\\2)", "(uid=\\zz)", "(uid=\\)", "(ui d=x)",
        "(1uid=x)", "(uid:=*x)", "(uid>=a*)", "(uid~=*)", "(cn=a**b)", "(:=x)", "(cn:dn:1.2.3:extra:=x)",
        "(!(uid=a)(uid=b))", "(!)", "(uid=a\u{0}b)", "(uid=x)(|(uid=*)", "(cn:bad rule:=x)",
    ])
    func malformedFiltersAreRejected(text: String) {
        #expect(throws: LDAPFilterError.self) { try LDAPFilter(parsing: text) }
    }

    @Test func deepNestingAndHugeTextAreRejected() {
        let deep = String(repeating: "(!", count: 100) + "(uid=x)" + String(repeating: ")", count: 100)
        #expect(throws: LDAPFilterError.self) { try LDAPFilter(parsing: deep) }
        let huge = "(uid=" + String(repeating: "a", count: LDAPFilter.maximumParsedLength) + ")"
        #expect(throws: LDAPFilterError.self) { try LDAPFilter(parsing: huge) }
    }

    @Test func validationRefusesAttributesThatCouldBreakTheText() throws {
        try LDAPFilter.equal("sn;lang-de", "x").validate()
        for attribute in ["uid)(cn=*", "", "1abc", "mail ", "a=b"] {
            #expect(throws: LDAPFilterError.self) { try LDAPFilter.equal(attribute, "x").validate() }
        }
        #expect(throws: LDAPFilterError.self) {
            try LDAPFilter.extensibleMatch(matchingRule: nil, attribute: nil, value: [], dnAttributes: false).validate()
        }
        #expect(throws: LDAPFilterError.self) {
            try LDAPFilter.extensibleMatch(matchingRule: "1.2.)", attribute: "cn", value: [], dnAttributes: false).validate()
        }
    }

    @Test func berEncodingIsDirectAndMatchesRFC4511() throws {
        func encode(_ filter: LDAPFilter) throws -> [UInt8] {
            var coder = DER.Serializer()
            try filter.serialize(into: &coder)
            return coder.serializedBytes
        }
        // equalityMatch [3] { "uid", "*" }: the star is a value byte, not a wildcard.
        #expect(try encode(.equal("uid", "*")) == [0xA3, 0x08, 0x04, 0x03, 0x75, 0x69, 0x64, 0x04, 0x01, 0x2A])
        // present [7] "cn"
        #expect(try encode(.present(attribute: "cn")) == [0x87, 0x02, 0x63, 0x6E])
        // and [0] keeps the caller's order (no DER sorting of the SET OF)
        #expect(try encode(.and([.present(attribute: "b"), .present(attribute: "a")])) == [0xA0, 0x06, 0x87, 0x01, 0x62, 0x87, 0x01, 0x61])
        // extensibleMatch [9] { [1] rule, [2] type, [3] value, [4] TRUE }
        let extensible = try encode(.extensibleMatch(matchingRule: "1.2", attribute: "cn", value: [0x78], dnAttributes: true))
        #expect(extensible == [0xA9, 0x0F, 0x81, 0x03, 0x31, 0x2E, 0x32, 0x82, 0x02, 0x63, 0x6E, 0x83, 0x01, 0x78, 0x84, 0x01, 0xFF])
        // substrings [4] { "cn", SEQUENCE { [0] "a", [1] "b", [2] "c" } }
        let substrings = try encode(.substrings(attribute: "cn", initial: [0x61], any: [[0x62]], final: [0x63]))
        #expect(substrings == [0xA4, 0x0F, 0x04, 0x02, 0x63, 0x6E, 0x30, 0x09, 0x80, 0x01, 0x61, 0x81, 0x01, 0x62, 0x82, 0x01, 0x63])
    }

    @Test func berRoundTripOfEveryChoice() throws {
        let filter = LDAPFilter.or([
            .and([.equal("a", "1"), .not(.present(attribute: "b"))]),
            .substrings(attribute: "c", initial: nil, any: [[1], [2]], final: [3]),
            .greaterOrEqual(attribute: "d", value: [4]), .lessOrEqual(attribute: "e", value: [5]),
            .approxMatch(attribute: "f", value: [6]),
            .extensibleMatch(matchingRule: "1.2.840.113556.1.4.1941", attribute: "memberOf", value: [7], dnAttributes: false),
        ])
        var coder = DER.Serializer()
        try filter.serialize(into: &coder)
        #expect(try LDAPFilter(berEncoded: try BER.parse(coder.serializedBytes)) == filter)
    }
}
