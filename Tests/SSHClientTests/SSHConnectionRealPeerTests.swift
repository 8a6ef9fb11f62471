import Foundation
import Logging
import Testing

@testable import SSHClient

/// Logging in and checking host keys against real OpenSSH 9.2 servers (see `scripts/peers/sshd.sh`).
@Suite(.enabled(if: SSHPeerEnvironment.shouldRun, SSHPeerEnvironment.missingMessage)) // Never skipped where CI=true: shouldRun is true there, and each test fails without the peer.
struct SSHConnectionRealPeerTests {
    /// Logs in, checks who the server says we are, and closes.
    private func expectLogin(_ configuration: SSHClientConfiguration, as user: String) async throws {
        let connection = try await SSHConnection.connect(configuration, logger: sshTestLogger())
        let result = try await connection.execute("id -un")
        #expect(result.exitStatus == 0)
        #expect(result.standardOutputText == "\(user)\n")
        await connection.close()
    }

    @Test func passwordLogin() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        try await self.expectLogin(try peer.configuration(username: peer.passwordUser, authentication: .password(peer.password)), as: peer.passwordUser)
    }

    /// Ed25519, ECDSA P-256 and a passphrase-protected Ed25519 key (aes256-ctr, bcrypt with ssh-keygen's 16 rounds).
    @Test func keyLogins() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let keys = [try peer.key(peer.keyFile), try peer.key(peer.ecdsaKeyFile), try peer.key(peer.encryptedKeyFile, passphrase: peer.keyPassphrase)]
        #expect(keys.map(\.keyType) == ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-ed25519"])
        for key in keys {
            try await self.expectLogin(try peer.configuration(authentication: .privateKey(key)), as: peer.keyUser)
        }
    }

    /// The peer's encrypted key with a wrong passphrase is refused while reading it, as such.
    @Test func wrongPassphraseIsATypedError() throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let error = #expect(throws: SSHKeyError.self) { try peer.key(peer.encryptedKeyFile, passphrase: peer.keyPassphrase + "x") }
        #expect(error?.kind == .wrongPassphrase)
    }

    /// A wrong password fails as authentication, naming the user and never the password.
    @Test func wrongPasswordIsAnAuthenticationError() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let wrong = "not-\(peer.password)"
        let error = await #expect(throws: SSHError.self) {
            try await SSHConnection.connect(try peer.configuration(username: peer.passwordUser, authentication: .password(wrong)), logger: sshTestLogger())
        }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("refused the password for user \(peer.passwordUser)") == true)
        #expect(error.map { "\($0)".contains(wrong) || String(reflecting: $0).contains(wrong) } == false)
    }

    /// A key the server does not know fails as authentication, naming its fingerprint.
    @Test func unknownKeyIsAnAuthenticationError() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let stranger = SSHPrivateKey.generateEd25519()
        let error = await #expect(throws: SSHError.self) {
            try await SSHConnection.connect(try peer.configuration(authentication: .privateKey(stranger)), logger: sshTestLogger())
        }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("\(stranger.publicKeyFingerprint)") == true)
    }

    /// The main server's Ed25519 key (swift-nio-ssh prefers Ed25519) and the ECDSA-only server's key both verify
    /// when pinned.
    @Test func pinnedHostKeysVerify() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let ed25519 = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        #expect(ed25519.hostKey.keyType == "ssh-ed25519")
        #expect(ed25519.hostKey.fingerprint == peer.ed25519Fingerprint)
        await ed25519.close()
        let ecdsa = try await SSHConnection.connect(try peer.configuration(port: peer.ecdsaOnlyPort, hostKey: .pinned(peer.ecdsaFingerprint)), logger: sshTestLogger())
        #expect(ecdsa.hostKey.keyType == "ecdsa-sha2-nistp256")
        #expect(ecdsa.hostKey.fingerprint == peer.ecdsaFingerprint)
        #expect(try await ecdsa.execute("true").exitStatus == 0)
        await ecdsa.close()
    }

    /// A wrong pinned fingerprint is refused with both fingerprints in the message, before any authentication
    /// is offered.
    @Test func wrongPinnedFingerprintIsRefusedBeforeAuthentication() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let recording = RecordingLogHandler()
        let error = await #expect(throws: SSHError.self) {
            try await SSHConnection.connect(
                try peer.configuration(username: peer.passwordUser, authentication: .password(peer.password), hostKey: .pinned(peer.ecdsaFingerprint)),
                logger: recording.logger
            )
        }
        #expect(error?.kind == .hostKeyMismatch(expected: peer.ecdsaFingerprint, presented: peer.ed25519Fingerprint))
        #expect(error?.description.contains("\(peer.ecdsaFingerprint)") == true)
        #expect(error?.description.contains("\(peer.ed25519Fingerprint)") == true)
        #expect(recording.messages.contains("ssh.host_key.mismatch"))
        #expect(!recording.messages.contains("ssh.auth.offer"), "no credentials may be offered to an unverified server")
    }

    /// `reportOnly` records the same fingerprint `ssh-keygen -lf` printed for the host key files.
    @Test func reportOnlyReturnsTheFingerprintSSHKeygenPrints() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        for (port, expected, type) in [(peer.port, peer.ed25519Fingerprint, "ssh-ed25519"), (peer.ecdsaOnlyPort, peer.ecdsaFingerprint, "ecdsa-sha2-nistp256")] {
            let connection = try await SSHConnection.connect(try peer.configuration(port: port, hostKey: .reportOnly), logger: sshTestLogger())
            #expect(connection.hostKey.fingerprint == expected)
            #expect(connection.hostKey.keyType == type)
            #expect(connection.hostKey.openSSHPublicKey.hasPrefix("\(type) AAAA"))
            await connection.close()
        }
    }

    /// An RSA-only server and a chacha20-only server fail with a "no common algorithm" error that says what the
    /// server offered and what is missing.
    @Test func serversWithoutCommonAlgorithmsAreExplained() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let rsa = await #expect(throws: SSHError.self) {
            try await SSHConnection.connect(try peer.configuration(port: peer.rsaOnlyPort, hostKey: .reportOnly), logger: sshTestLogger())
        }
        #expect(rsa?.kind == .noCommonAlgorithm)
        #expect(rsa?.message.contains("no common host key type: the server offers rsa-sha2-512, rsa-sha2-256") == true)
        let chacha = await #expect(throws: SSHError.self) {
            try await SSHConnection.connect(try peer.configuration(port: peer.chachaOnlyPort, hostKey: .reportOnly), logger: sshTestLogger())
        }
        #expect(chacha?.kind == .noCommonAlgorithm)
        #expect(chacha?.message.contains("no common cipher: the server offers chacha20-poly1305@openssh.com") == true)
    }
}
