import Foundation
import Testing

/// The Samba AD domain controller started by `scripts/peers/samba.sh` (`samba_peer_start`).
///
/// When the variables are absent the suite is skipped locally; where `CI=true` it runs anyway and every
/// test fails with the message below, so CI cannot silently lose the Active Directory coverage.
struct ActiveDirectoryPeerEnvironment {
    let host: String
    let port: Int
    let ldapsPort: Int
    let globalCatalogPort: Int
    let globalCatalogTLSPort: Int
    let baseDN: String
    /// NetBIOS domain name, for `DOMAIN\user` binds.
    let domain: String
    /// DNS domain, the UPN suffix of `user@domain` binds.
    let dnsDomain: String
    /// The service account's `sAMAccountName`.
    let bindUser: String
    let bindDN: String
    let bindPassword: String
    /// The password of alice, bob and carol.
    let userPassword: String
    let bulkUserCount: Int
    let caFile: String
    let wrongCAFile: String

    static let missingMessage: Comment =
        "Samba AD peer is not running: `source scripts/peers/samba.sh && samba_peer_start` exports AD_HOST, AD_PORT, ADS_PORT, AD_GC_PORT, ADS_GC_PORT, AD_BASE_DN, AD_DOMAIN, AD_DNS_DOMAIN, AD_BIND_*, AD_USER_PASSWORD, AD_BULK_USER_COUNT, AD_CA_FILE, AD_WRONG_CA_FILE"

    /// The peer from the environment, or `nil` when any variable is missing.
    static let current: ActiveDirectoryPeerEnvironment? = {
        let env = ProcessInfo.processInfo.environment
        func string(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }
        guard let host = string("AD_HOST"), let port = int("AD_PORT"), let ldapsPort = int("ADS_PORT"),
            let globalCatalogPort = int("AD_GC_PORT"), let globalCatalogTLSPort = int("ADS_GC_PORT"),
            let baseDN = string("AD_BASE_DN"), let domain = string("AD_DOMAIN"), let dnsDomain = string("AD_DNS_DOMAIN"),
            let bindUser = string("AD_BIND_USER"), let bindDN = string("AD_BIND_DN"), let bindPassword = string("AD_BIND_PASSWORD"),
            let userPassword = string("AD_USER_PASSWORD"), let bulkUserCount = int("AD_BULK_USER_COUNT"),
            let caFile = string("AD_CA_FILE"), let wrongCAFile = string("AD_WRONG_CA_FILE")
        else { return nil }
        return ActiveDirectoryPeerEnvironment(
            host: host, port: port, ldapsPort: ldapsPort, globalCatalogPort: globalCatalogPort,
            globalCatalogTLSPort: globalCatalogTLSPort, baseDN: baseDN, domain: domain, dnsDomain: dnsDomain,
            bindUser: bindUser, bindDN: bindDN, bindPassword: bindPassword, userPassword: userPassword,
            bulkUserCount: bulkUserCount, caFile: caFile, wrongCAFile: wrongCAFile
        )
    }()

    /// Whether the suite should run (peer present, or CI where absence must fail).
    static let shouldRun = current != nil || LDAPPeerEnvironment.isCI

    /// The peer, or a recorded failure (CI) and `nil`.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> ActiveDirectoryPeerEnvironment? {
        if let current { return current }
        Issue.record(missingMessage, sourceLocation: sourceLocation)
        return nil
    }

    /// The DN of a seeded person (alice, bob, carol).
    func personDN(_ name: String) -> String { "CN=\(name),OU=People,\(self.baseDN)" }

    /// The DN of a seeded group (engineering, staff).
    func groupDN(_ name: String) -> String { "CN=\(name),OU=Groups,\(self.baseDN)" }
}
