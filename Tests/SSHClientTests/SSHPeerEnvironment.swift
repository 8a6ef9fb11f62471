import Foundation
import Glibc
import Testing

@testable import SSHClient

/// The OpenSSH servers started by `scripts/peers/sshd.sh` (`sshd_peer_start`).
///
/// When the variables are absent the real-peer suites are skipped locally; where `CI=true` they run anyway and
/// every test fails with the message below, so CI cannot silently lose coverage.
struct SSHPeerEnvironment {
    let host: String
    let port: Int
    let ecdsaOnlyPort: Int
    let rsaOnlyPort: Int
    let chachaOnlyPort: Int
    let faultPort: Int
    let faultControl: String
    let ed25519Fingerprint: SSHFingerprint
    let ecdsaFingerprint: SSHFingerprint
    let rsaFingerprint: String
    let passwordUser: String
    let password: String
    let keyUser: String
    let keyFile: String
    let ecdsaKeyFile: String
    let encryptedKeyFile: String
    let keyPassphrase: String
    let sftpUser: String
    let sftpPassword: String
    let sftpRoot: String
    let archiveDirectory: String

    static let missingMessage: Comment =
        "sshd peer is not running: `source scripts/peers/sshd.sh && sshd_peer_start` (as root) exports SSH_HOST, SSH_PORT, SSH_ECDSA_ONLY_PORT, SSH_RSA_ONLY_PORT, SSH_CHACHA_ONLY_PORT, SSH_FAULT_PORT, SSH_FAULT_CTL, SSH_HOST_FP_*, SSH_PASSWORD_USER, SSH_PASSWORD, SSH_KEY_USER, SSH_*KEY_FILE, SSH_KEY_PASSPHRASE, SSH_SFTP_*, SSH_ARCHIVE_DIR"

    /// The peer from the environment, or `nil` when any variable is missing.
    static let current: SSHPeerEnvironment? = {
        let env = ProcessInfo.processInfo.environment
        func string(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }
        func fingerprint(_ name: String) -> SSHFingerprint? { string(name).flatMap(SSHFingerprint.init(parsing:)) }
        guard let host = string("SSH_HOST"), let port = int("SSH_PORT"), let ecdsaOnlyPort = int("SSH_ECDSA_ONLY_PORT"),
            let rsaOnlyPort = int("SSH_RSA_ONLY_PORT"), let chachaOnlyPort = int("SSH_CHACHA_ONLY_PORT"),
            let faultPort = int("SSH_FAULT_PORT"), let faultControl = string("SSH_FAULT_CTL"),
            let ed25519Fingerprint = fingerprint("SSH_HOST_FP_ED25519"), let ecdsaFingerprint = fingerprint("SSH_HOST_FP_ECDSA"),
            let rsaFingerprint = string("SSH_HOST_FP_RSA"),
            let passwordUser = string("SSH_PASSWORD_USER"), let password = string("SSH_PASSWORD"),
            let keyUser = string("SSH_KEY_USER"), let keyFile = string("SSH_KEY_FILE"), let ecdsaKeyFile = string("SSH_ECDSA_KEY_FILE"),
            let encryptedKeyFile = string("SSH_ENCRYPTED_KEY_FILE"), let keyPassphrase = string("SSH_KEY_PASSPHRASE"),
            let sftpUser = string("SSH_SFTP_USER"), let sftpPassword = string("SSH_SFTP_PASSWORD"), let sftpRoot = string("SSH_SFTP_ROOT"),
            let archiveDirectory = string("SSH_ARCHIVE_DIR")
        else { return nil }
        return SSHPeerEnvironment(
            host: host, port: port, ecdsaOnlyPort: ecdsaOnlyPort, rsaOnlyPort: rsaOnlyPort, chachaOnlyPort: chachaOnlyPort,
            faultPort: faultPort, faultControl: faultControl, ed25519Fingerprint: ed25519Fingerprint,
            ecdsaFingerprint: ecdsaFingerprint, rsaFingerprint: rsaFingerprint, passwordUser: passwordUser, password: password,
            keyUser: keyUser, keyFile: keyFile, ecdsaKeyFile: ecdsaKeyFile, encryptedKeyFile: encryptedKeyFile,
            keyPassphrase: keyPassphrase, sftpUser: sftpUser, sftpPassword: sftpPassword, sftpRoot: sftpRoot,
            archiveDirectory: archiveDirectory
        )
    }()

    /// Whether CI asked for real peers to be mandatory.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether the real-peer suites should run (peer present, or CI where absence must fail).
    static let shouldRun = current != nil || isCI

    /// The peer, or a recorded failure (CI) and `nil`.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> SSHPeerEnvironment? {
        if let current { return current }
        Issue.record(missingMessage, sourceLocation: sourceLocation)
        return nil
    }

    /// A private key file of the peer.
    func key(_ path: String, passphrase: String? = nil) throws -> SSHPrivateKey {
        try SSHPrivateKey(openSSH: String(contentsOfFile: path, encoding: .utf8), passphrase: passphrase)
    }

    /// A configuration for the main server, pinned to its Ed25519 host key; generous limits for a busy machine.
    func configuration(
        port: Int? = nil,
        username: String? = nil,
        authentication: SSHAuthentication? = nil,
        hostKey: SSHHostKeyPolicy? = nil,
        requestTimeout: Duration = .seconds(60)
    ) throws -> SSHClientConfiguration {
        SSHClientConfiguration(
            host: self.host, port: port ?? self.port, username: username ?? self.keyUser,
            authentication: try authentication ?? .privateKey(self.key(self.keyFile)),
            hostKey: hostKey ?? .pinned(self.ed25519Fingerprint),
            connectTimeout: .seconds(30), authenticationTimeout: .seconds(60), requestTimeout: requestTimeout
        )
    }

    /// Runs the fault server's control script (`start`, `stop`, `pause`, `resume`).
    ///
    /// Spawned with `posix_spawn` and an empty signal mask rather than Foundation's `Process`: the sshd it starts
    /// inherits the mask, and one started with SIGTERM blocked cannot be stopped politely.
    func controlFaultServer(_ command: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let arguments: [UnsafeMutablePointer<CChar>?] = [self.faultControl, command].map { (argument: String) in strdup(argument) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, self.faultControl, nil, &attributes, arguments, environ)
        guard spawned == 0 else { throw ControlFailed(command: command, status: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        if status != 0 { throw ControlFailed(command: command, status: status) }
    }

    /// The control script failed.
    struct ControlFailed: Error {
        let command: String
        let status: Int32
    }
}
