import Foundation
import Logging
import SMTPClient
import SealdropCore
import SealdropServices

/// The outbox's transport to a real SMTP relay; SMTP errors become retryable or permanent failures.
struct SMTPMailTransport: MailTransport {
    let client: SMTPClient

    init(configuration: SMTPConfiguration, logger: Logger) {
        self.client = SMTPClient(configuration: configuration, logger: logger)
    }

    func deliver(_ message: OutboxMessage) async throws {
        try await deliver(message, accepted: {})
    }

    func deliver(_ message: OutboxMessage, accepted: @escaping @Sendable () async -> Void) async throws {
        do {
            _ = try await client.send(SMTPEnvelope(from: message.envelopeFrom, to: message.envelopeTo), message: message.message,
                                      whenAccepted: accepted)
        } catch {
            throw MailDeliveryError(permanent: Self.isAboutTheMessage(error) && error.isPermanent, reason: error.description)
        }
    }

    /// Only a refusal of this message or its recipients is final; TLS, AUTH and connection problems are the
    /// relay's or the configuration's and are retried (until the outbox's maximum age), so fixing them later
    /// still delivers the queued mail.
    static func isAboutTheMessage(_ error: SMTPError) -> Bool {
        [.rejected, .allRecipientsRejected, .messageTooLarge, .invalidMessage, .extensionUnavailable].contains(error.kind)
    }

    /// The relay URL with any password replaced by `***`, for printing.
    static func redacted(_ text: String) -> String { RelayURL.redacted(text) }

    /// Parses `SEALDROP_SMTP_URL`: `smtp://` (opportunistic STARTTLS, port 25), `smtp+starttls://` (required
    /// STARTTLS, port 587), `smtps://` (implicit TLS, port 465), each with optional `user:password@`.
    static func configuration(url text: String, trustCA: String?, ehloName: String) throws -> SMTPConfiguration {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw ConfigurationError(key: "SEALDROP_SMTP_URL", problem: "must be smtp://, smtp+starttls://, smtps://[user:pass@]host[:port] or capture:")
        }
        let security: SMTPConfiguration.Security
        let defaultPort: Int
        switch scheme {
        case "smtp": (security, defaultPort) = (.startTLSIfAvailable, 25)
        case "smtp+starttls": (security, defaultPort) = (.startTLSRequired, 587)
        case "smtps": (security, defaultPort) = (.implicitTLS, 465)
        default: throw ConfigurationError(key: "SEALDROP_SMTP_URL", problem: "unknown scheme \(scheme); use smtp, smtp+starttls, smtps or capture")
        }
        var credentials: SMTPConfiguration.Credentials?
        if let user = url.user, !user.isEmpty {
            let name = user.removingPercentEncoding ?? user
            let password = (url.password ?? "").removingPercentEncoding ?? ""
            // AUTH carries them base64-encoded, but a control character is never a real credential.
            guard !(name + password).unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ConfigurationError(key: "SEALDROP_SMTP_URL", problem: "the user name or password contains a control character")
            }
            credentials = .init(username: name, password: password)
        }
        let configuration = SMTPConfiguration(
            host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: url.port ?? defaultPort, security: security,
            credentials: credentials, trustRoots: trustCA.map { .system(plus: $0) } ?? .system, ehloName: ehloName)
        do {
            try configuration.validate()
        } catch {
            throw ConfigurationError(key: "SEALDROP_SMTP_URL", problem: error.message)
        }
        return configuration
    }
}
