import Foundation
import Logging
import NIOCore
import NIOSSH

/// Checks the server's host key against the ``SSHHostKeyPolicy`` once the key exchange proved the server holds it,
/// and records it. A pinned mismatch fails the connection here, before user authentication starts.
final class SSHHostKeyValidator: NIOSSHClientServerAuthenticationDelegate {
    private let policy: SSHHostKeyPolicy
    private let state: SSHConnectionState
    private let configuration: SSHClientConfiguration
    private let logger: Logger

    init(configuration: SSHClientConfiguration, state: SSHConnectionState, logger: Logger) {
        self.policy = configuration.hostKey
        self.configuration = configuration
        self.state = state
        self.logger = logger
    }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        guard let presented = Self.info(of: hostKey) else {
            validationCompletePromise.fail(self.error(.protocolViolation, "the server's host key could not be encoded"))
            return
        }
        self.state.recordHostKey(presented)
        let metadata: Logger.Metadata = ["ssh.host_key.type": "\(presented.keyType)", "ssh.host_key.fingerprint": "\(presented.fingerprint)"]
        switch self.policy {
        case .reportOnly:
            self.logger.info("ssh.host_key.reported", metadata: metadata)
            validationCompletePromise.succeed()
        case .pinned(let expected) where expected == presented.fingerprint:
            self.logger.debug("ssh.host_key.verified", metadata: metadata)
            validationCompletePromise.succeed()
        case .pinned(let expected):
            self.logger.warning("ssh.host_key.mismatch", metadata: metadata.merging(["ssh.host_key.expected": "\(expected)"]) { $1 })
            validationCompletePromise.fail(
                self.error(
                    .hostKeyMismatch(expected: expected, presented: presented.fingerprint),
                    "the server presented the \(presented.keyType) host key \(presented.fingerprint), but \(expected) is pinned; "
                        + "if the server's key was changed on purpose, accept the new fingerprint, otherwise someone may be intercepting the connection"
                )
            )
        }
    }

    /// The key's type, fingerprint and one-line form, from its OpenSSH public key line (`type base64`).
    static func info(of key: NIOSSHPublicKey) -> SSHHostKeyInfo? {
        let line = String(openSSHPublicKey: key)
        let fields = line.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, let blob = Data(base64Encoded: String(fields[1])) else { return nil }
        return SSHHostKeyInfo(fingerprint: SSHFingerprint(keyBlob: blob), keyType: String(fields[0]), openSSHPublicKey: "\(fields[0]) \(fields[1])")
    }

    private func error(_ kind: SSHError.Kind, _ message: String) -> SSHError {
        SSHError(kind: kind, host: self.configuration.host, port: self.configuration.port, step: .handshake, message: message)
    }
}
