import Foundation
import Glibc
import Testing

/// The slapd peer started by `scripts/peers/slapd.sh` (`slapd_peer_start`).
///
/// When the variables are absent the real-peer suite is skipped locally; where `CI=true` it runs
/// anyway and every test fails with the message below, so CI cannot silently lose coverage.
struct LDAPPeerEnvironment {
    let host: String
    let port: Int
    let ldapsPort: Int
    let globalCatalogPort: Int
    let globalCatalogTLSPort: Int
    let restartablePort: Int
    let restartableControl: String
    let baseDN: String
    let bindDN: String
    let bindPassword: String
    let userDN: String
    let userPassword: String
    let userCount: Int
    let sizeLimit: Int
    let caFile: String
    let wrongCAFile: String

    static let missingMessage: Comment =
        "slapd peer is not running: `source scripts/peers/slapd.sh && slapd_peer_start` exports LDAP_HOST, LDAP_PORT, LDAPS_PORT, LDAP_GC_PORT, LDAPS_GC_PORT, LDAP_RESTARTABLE_*, LDAP_BASE_DN, LDAP_BIND_*, LDAP_USER_*, LDAP_SIZE_LIMIT, LDAP_CA_FILE, LDAP_WRONG_CA_FILE"

    /// The peer from the environment, or `nil` when any variable is missing.
    static let current: LDAPPeerEnvironment? = {
        let env = ProcessInfo.processInfo.environment
        func string(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }
        guard let host = string("LDAP_HOST"), let port = int("LDAP_PORT"), let ldapsPort = int("LDAPS_PORT"),
            let globalCatalogPort = int("LDAP_GC_PORT"), let globalCatalogTLSPort = int("LDAPS_GC_PORT"),
            let restartablePort = int("LDAP_RESTARTABLE_PORT"), let restartableControl = string("LDAP_RESTARTABLE_CTL"),
            let baseDN = string("LDAP_BASE_DN"), let bindDN = string("LDAP_BIND_DN"), let bindPassword = string("LDAP_BIND_PASSWORD"),
            let userDN = string("LDAP_USER_DN"), let userPassword = string("LDAP_USER_PASSWORD"),
            let userCount = int("LDAP_USER_COUNT"), let sizeLimit = int("LDAP_SIZE_LIMIT"),
            let caFile = string("LDAP_CA_FILE"), let wrongCAFile = string("LDAP_WRONG_CA_FILE")
        else { return nil }
        return LDAPPeerEnvironment(
            host: host, port: port, ldapsPort: ldapsPort, globalCatalogPort: globalCatalogPort,
            globalCatalogTLSPort: globalCatalogTLSPort, restartablePort: restartablePort,
            restartableControl: restartableControl, baseDN: baseDN, bindDN: bindDN, bindPassword: bindPassword,
            userDN: userDN, userPassword: userPassword, userCount: userCount, sizeLimit: sizeLimit, caFile: caFile,
            wrongCAFile: wrongCAFile
        )
    }()

    /// Whether CI asked for real peers to be mandatory.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether the real-peer suite should run (peer present, or CI where absence must fail).
    static let shouldRun = current != nil || isCI

    /// The peer, or a recorded failure (CI) and `nil`.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> LDAPPeerEnvironment? {
        if let current { return current }
        Issue.record(missingMessage, sourceLocation: sourceLocation)
        return nil
    }

    /// Runs the restartable slapd's control script (`start`, `stop`, `pause`, `resume`).
    ///
    /// Spawned with `posix_spawn` and an empty signal mask rather than Foundation's `Process`: the slapd it
    /// starts inherits the mask, and one started with SIGTERM blocked cannot be stopped politely.
    func control(_ command: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let arguments: [UnsafeMutablePointer<CChar>?] = [self.restartableControl, command].map { (argument: String) in strdup(argument) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, self.restartableControl, nil, &attributes, arguments, environ)
        guard spawned == 0 else { throw ControlFailed(command: command, status: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        if status != 0 { throw ControlFailed(command: command, status: status) }
    }

    /// Holds the restartable slapd for the whole of `body`: tests in other suites, here and in the application's
    /// directory tests, stop and pause it too, and run beside this one. An exclusive `flock` on a file beside the control
    /// script (locks belong to each open file, so two tests of one process exclude each other too), taken by polling so
    /// no cooperative thread blocks while another test holds it; closing the file releases it.
    func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        let fd = open(restartableControl + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ControlFailed(command: "lock", status: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        return try await body()
    }

    /// The control script failed.
    struct ControlFailed: Error {
        let command: String
        let status: Int32
    }
}
