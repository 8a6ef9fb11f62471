import Testing

@testable import LDAPClient

/// Configuration from URLs and its validation.
@Suite struct LDAPConfigurationTests {
    @Test(arguments: [
        ("ldap://dc1.example.org", "dc1.example.org", 389, LDAPConfiguration.Security.startTLS),
        ("ldaps://dc1.example.org", "dc1.example.org", 636, .ldaps),
        ("LDAP://dc1.example.org:3268/", "dc1.example.org", 3268, .startTLS),
        ("ldaps://127.0.0.1:3269", "127.0.0.1", 3269, .ldaps),
        ("ldaps://[::1]:686", "::1", 686, .ldaps),
    ])
    func urlsGiveHostPortAndSecurity(url: String, host: String, port: Int, security: LDAPConfiguration.Security) throws {
        let configuration = try LDAPConfiguration(url: url)
        #expect(configuration.host == host)
        #expect(configuration.port == port)
        #expect(configuration.security == security)
    }

    @Test(arguments: ["http://x", "ldap://", "ldap://x:0", "ldap://x:99999", "ldap://x:abc", "ldap://x/dc=example", "ldap://u@x", "ldaps://[::1"])
    func badURLsAreRefused(url: String) {
        #expect(throws: LDAPError.self) { try LDAPConfiguration(url: url) }
    }

    @Test func emptyPasswordsAndEmptyTrustAreRefused() {
        var configuration = LDAPConfiguration(host: "x", port: 389, credentials: .init(bindName: "cn=a", password: ""))
        #expect(throws: LDAPError.self) { try configuration.validate() }
        configuration.credentials = nil
        configuration.trustRoots = LDAPConfiguration.TrustRoots(useSystemRoots: false)
        #expect(throws: LDAPError.self) { try configuration.validate() }
    }

    @Test func credentialsNeverShowThePassword() {
        let credentials = LDAPConfiguration.Credentials(bindName: "EXAMPLE\\svc", password: "hunter2")
        #expect(!"\(credentials)".contains("hunter2"))
        #expect(!String(reflecting: credentials).contains("hunter2"))
    }
}
