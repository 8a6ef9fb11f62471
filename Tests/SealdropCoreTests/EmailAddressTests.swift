import Foundation
import Testing

import SealdropCore

@Suite struct EmailAddressTests {
    @Test(arguments: [
        "alice@example.com", "Alice.Smith+tag@Example.COM", "o'brien@example.co.uk", "x@localhost",
        "user_name-1@sub.example-domain.org", "jörg@bücher.de", "a!#$%&'*+/=?^`{|}~-b@example.com",
    ])
    func acceptsPracticalAddresses(raw: String) {
        #expect(EmailAddress(raw) != nil)
    }

    @Test(arguments: [
        "", "alice", "@example.com", "alice@", "alice@@example.com", "a@b@example.com", "alice @example.com",
        "alice@exa mple.com", "alice@example.com\r\nBcc: x@y.z", "<alice@example.com>", "alice,bob@example.com",
        "alice;bob@example.com", "\"alice\"@example.com", ".alice@example.com", "alice.@example.com",
        "al..ice@example.com", "alice@-example.com", "alice@example-.com", "alice@example..com",
        "alice@example.com.", "alice@[127.0.0.1]", "al\u{0}ice@example.com", "alice@exam_ple.com",
    ])
    func rejectsMalformedAddresses(raw: String) {
        #expect(EmailAddress(raw) == nil)
    }

    @Test func lengthLimits() {
        let local64 = String(repeating: "a", count: 64)
        #expect(EmailAddress(local64 + "@example.com") != nil)
        #expect(EmailAddress(local64 + "a@example.com") == nil)
        let label = String(repeating: "b", count: 63)
        let domain = [label, label, label, String(repeating: "c", count: 60)].joined(separator: ".")
        #expect(EmailAddress("a@" + domain)?.address.utf8.count == 254)
        #expect(EmailAddress("ab@" + domain) == nil)
        #expect(EmailAddress("a@" + String(repeating: "d", count: 64) + ".com") == nil)
    }

    @Test func normalisesDomainAndComparesCaseInsensitively() throws {
        let a = try #require(EmailAddress("Alice@Example.COM"))
        let b = try #require(EmailAddress("alice@example.com"))
        #expect(a.address == "Alice@example.com")
        #expect(a.localPart == "Alice")
        #expect(a.domain == "example.com")
        #expect(a.normalized == "alice@example.com")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(a.description == "Alice@example.com")
    }

    @Test func codesAsString() throws {
        let address = try #require(EmailAddress("Bob@Example.org"))
        let json = try JSONEncoder().encode([address])
        #expect(String(decoding: json, as: UTF8.self) == #"["Bob@example.org"]"#)
        #expect(try JSONDecoder().decode([EmailAddress].self, from: json) == [address])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([EmailAddress].self, from: Data(#"["nope"]"#.utf8)) }
    }
}
