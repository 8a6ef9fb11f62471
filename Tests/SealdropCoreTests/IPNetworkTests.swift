import Testing
@testable import SealdropCore

/// CIDR parsing and matching for the admin allow-list.
@Suite struct IPNetworkTests {
    @Test(arguments: [
        ("127.0.0.0/8", "127.0.0.1", true), ("127.0.0.0/8", "128.0.0.1", false),
        ("10.0.0.0/8", "10.255.3.4", true), ("172.16.0.0/12", "172.31.255.255", true), ("172.16.0.0/12", "172.32.0.1", false),
        ("192.168.1.0/24", "192.168.1.77", true), ("192.168.1.0/24", "192.168.2.1", false),
        ("0.0.0.0/0", "8.8.8.8", true), ("203.0.113.5", "203.0.113.5", true), ("203.0.113.5", "203.0.113.6", false),
        ("::1/128", "::1", true), ("::1/128", "::2", false), ("fc00::/7", "fd12:3456::1", true), ("fc00::/7", "fe80::1", false),
        ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
        // IPv4 clients on a dual-stack socket appear as IPv4-mapped IPv6 addresses.
        ("10.0.0.0/8", "::ffff:10.1.2.3", true), ("127.0.0.0/8", "::ffff:127.0.0.1", true), ("10.0.0.0/8", "::ffff:11.1.2.3", false),
        ("::ffff:10.0.0.0/104", "10.9.9.9", true), ("fe80::/10", "fe80::1%eth0", true),
    ])
    func matches(network: String, address: String, expected: Bool) throws {
        let parsed = try #require(IPNetwork(network))
        #expect(parsed.contains(address) == expected)
    }

    @Test(arguments: ["", "10.0.0.0/33", "10.0.0/8", "10.0.0.256/8", "::1/129", "1:2:3:4:5:6:7:8:9", "1::2::3", "10.0.0.0/-1", "10.0.0.0/8/8",
                      "abc", "12345::/16", "10.0.0.0/ 8", "1.2.3.04x"])
    func rejectsMalformedNetworks(text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test func malformedAddressesNeverMatch() throws {
        let all = try #require(IPNetwork("0.0.0.0/0"))
        #expect(!all.contains("not an ip"))
        #expect(!all.contains(""))
        #expect(IPNetwork.defaultAdminNetworks.allSatisfy { IPNetwork($0) != nil })
    }

    @Test func sourceKeysAreWholeIPv4AddressesAndIPv6Slash64s() {
        #expect(IPNetwork.sourceKey("192.0.2.1") == IPNetwork.sourceKey("::ffff:192.0.2.1"))
        #expect(IPNetwork.sourceKey("192.0.2.1") != IPNetwork.sourceKey("192.0.2.2"))
        #expect(IPNetwork.sourceKey("2001:db8:1:2::1") == IPNetwork.sourceKey("2001:db8:1:2:ffff:1:2:3"))
        #expect(IPNetwork.sourceKey("2001:db8:1:2::1") != IPNetwork.sourceKey("2001:db8:1:3::1"))
        #expect(IPNetwork.sourceKey("not an ip") == "not an ip")
    }
}
