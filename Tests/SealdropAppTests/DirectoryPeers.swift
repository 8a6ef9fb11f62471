import Foundation
import Glibc
import Testing

/// The slapd and Samba AD peers of `scripts/peers` (`slapd_peer_start`, `samba_peer_start`), as the LDAPClient
/// real-peer tests read them. Absent locally: the suites skip; where `CI=true` they run and fail, so CI cannot
/// silently lose the directory coverage.
enum DirectoryPeers {
    static let environment = ProcessInfo.processInfo.environment
    static let isCI = environment["CI"] == "true"

    /// The slapd peer (`LDAP_*`).
    struct Slapd {
        let host: String, port: Int, ldapsPort: Int, restartablePort: Int, restartableControl: String
        let baseDN: String, bindDN: String, bindPassword: String, caFile: String, wrongCAFile: String

        func groupDN(_ name: String) -> String { "cn=\(name),ou=groups,\(baseDN)" }
        func personDN(_ uid: String) -> String { "uid=\(uid),ou=people,\(baseDN)" }
    }

    /// The Samba AD peer (`AD_*`).
    struct ActiveDirectory {
        let host: String, port: Int, ldapsPort: Int, baseDN: String, domain: String, dnsDomain: String
        let bindUser: String, bindPassword: String, caFile: String

        func groupDN(_ name: String) -> String { "CN=\(name),OU=Groups,\(baseDN)" }
        func personDN(_ name: String) -> String { "CN=\(name),OU=People,\(baseDN)" }
    }

    static let slapdMissing: Comment = "slapd peer is not running: `source scripts/peers/slapd.sh && slapd_peer_start` exports LDAP_*"
    static let adMissing: Comment = "Samba AD peer is not running: `source scripts/peers/samba.sh && samba_peer_start` exports AD_*"

    private static func string(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    private static func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }

    static let slapd: Slapd? = {
        guard let host = string("LDAP_HOST"), let port = int("LDAP_PORT"), let ldapsPort = int("LDAPS_PORT"),
              let restartablePort = int("LDAP_RESTARTABLE_PORT"), let control = string("LDAP_RESTARTABLE_CTL"),
              let baseDN = string("LDAP_BASE_DN"), let bindDN = string("LDAP_BIND_DN"), let bindPassword = string("LDAP_BIND_PASSWORD"),
              let caFile = string("LDAP_CA_FILE"), let wrongCAFile = string("LDAP_WRONG_CA_FILE") else { return nil }
        return Slapd(host: host, port: port, ldapsPort: ldapsPort, restartablePort: restartablePort, restartableControl: control,
                     baseDN: baseDN, bindDN: bindDN, bindPassword: bindPassword, caFile: caFile, wrongCAFile: wrongCAFile)
    }()

    static let activeDirectory: ActiveDirectory? = {
        guard let host = string("AD_HOST"), let port = int("AD_PORT"), let ldapsPort = int("ADS_PORT"), let baseDN = string("AD_BASE_DN"),
              let domain = string("AD_DOMAIN"), let dnsDomain = string("AD_DNS_DOMAIN"), let bindUser = string("AD_BIND_USER"),
              let bindPassword = string("AD_BIND_PASSWORD"), let caFile = string("AD_CA_FILE") else { return nil }
        return ActiveDirectory(host: host, port: port, ldapsPort: ldapsPort, baseDN: baseDN, domain: domain, dnsDomain: dnsDomain,
                               bindUser: bindUser, bindPassword: bindPassword, caFile: caFile)
    }()

    static let slapdShouldRun = slapd != nil || isCI
    static let adShouldRun = activeDirectory != nil || isCI

    /// The slapd peer, or a recorded failure (CI) and nil.
    static func requireSlapd(sourceLocation: SourceLocation = #_sourceLocation) -> Slapd? {
        if let slapd { return slapd }
        Issue.record(slapdMissing, sourceLocation: sourceLocation)
        return nil
    }

    /// The AD peer, or a recorded failure (CI) and nil.
    static func requireActiveDirectory(sourceLocation: SourceLocation = #_sourceLocation) -> ActiveDirectory? {
        if let activeDirectory { return activeDirectory }
        Issue.record(adMissing, sourceLocation: sourceLocation)
        return nil
    }

    /// Holds the restartable slapd for the whole of `body`: tests in other suites, in this module and in the
    /// `LDAPClient` tests, stop and pause it too, and run beside this one. An exclusive `flock` on a file beside the control
    /// script (locks belong to each open file, so two tests of one process exclude each other too), taken by polling so
    /// no cooperative thread blocks while another test holds it; closing the file releases it.
    static func exclusively<T>(_ script: String, _ body: () async throws -> T) async throws -> T {
        let fd = open(script + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ControlFailed(command: "lock") }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        return try await body()
    }

    /// Runs the restartable slapd's control script (`start`, `stop`), with an empty signal mask (see the LDAPClient tests).
    static func control(_ script: String, _ command: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let arguments: [UnsafeMutablePointer<CChar>?] = [script, command].map { (argument: String) in strdup(argument) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, script, nil, &attributes, arguments, environ) == 0 else { throw ControlFailed(command: command) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        if status != 0 { throw ControlFailed(command: command) }
    }

    /// The control script failed.
    struct ControlFailed: Error { let command: String }
}
