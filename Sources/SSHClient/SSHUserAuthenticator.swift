import Logging
import NIOCore
import NIOSSH

/// Offers the configured password or key once; a refusal, or a server that accepts neither, fails the handshake
/// with ``SSHError/Kind/authentication`` (swift-nio-ssh would wait forever if the delegate offered nothing).
final class SSHUserAuthenticator: NIOSSHClientUserAuthenticationDelegate {
    private let configuration: SSHClientConfiguration
    private let logger: Logger
    private var offered = false

    init(configuration: SSHClientConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods,
        nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        let username = self.configuration.username
        let authentication = self.configuration.authentication
        let method = authentication.methodName
        if self.offered {
            self.logger.info("ssh.auth.refused", metadata: ["ssh.auth.method": "\(method)", "ssh.user": "\(username)"])
            let what = switch authentication {
            case .password: "the password"
            case .privateKey(let key): "the \(key.keyType) key \(key.publicKeyFingerprint)"
            }
            nextChallengePromise.fail(self.error("the server refused \(what) for user \(username)\(Self.remaining(availableMethods))"))
            return
        }
        let accepted: Bool = switch authentication {
        case .password: availableMethods.contains(.password)
        case .privateKey: availableMethods.contains(.publicKey)
        }
        guard accepted else {
            nextChallengePromise.fail(self.error("the server does not accept \(method) authentication for user \(username)\(Self.remaining(availableMethods))"))
            return
        }
        self.offered = true
        self.logger.debug("ssh.auth.offer", metadata: ["ssh.auth.method": "\(method)", "ssh.user": "\(username)"])
        let offer: NIOSSHUserAuthenticationOffer.Offer = switch authentication {
        case .password(let password): .password(.init(password: password))
        case .privateKey(let key): .privateKey(.init(privateKey: key.nioPrivateKey))
        }
        nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(username: username, serviceName: "ssh-connection", offer: offer))
    }

    /// "; it offers publickey, password" (the methods swift-nio-ssh knows among those the server listed).
    private static func remaining(_ methods: NIOSSHAvailableUserAuthenticationMethods) -> String {
        var names: [String] = []
        if methods.contains(.publicKey) { names.append("publickey") }
        if methods.contains(.password) { names.append("password") }
        if methods.contains(.hostBased) { names.append("hostbased") }
        return names.isEmpty ? "; it offers no method this client has" : "; it offers \(names.joined(separator: ", "))"
    }

    private func error(_ message: String) -> SSHError {
        SSHError(kind: .authentication, host: self.configuration.host, port: self.configuration.port, step: .handshake, message: message)
    }
}
