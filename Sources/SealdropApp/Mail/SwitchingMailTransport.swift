import Foundation
import Logging
import SMTPClient
import SealdropCore
import SealdropServices
import Synchronization

/// The outbox's transport, following the relay in force (`ConfiguredSettings.relayURL(in:)`: the one administrators
/// choose at run time, `mail.relayURL`, unless `SEALDROP_SMTP_URL` pins it). Transports are rebuilt only when the
/// URL changes.
final class SwitchingMailTransport: MailTransport, MailRelay, Sendable {
    let configured: ConfiguredSettings
    let settings: SettingsStore
    let captureDirectory: String
    let trustCA: String?
    let ehloName: String
    let logger: Logger
    private let current: Mutex<(url: String, transport: any MailTransport)?>

    init(configured: ConfiguredSettings, mail: MailConfiguration, settings: SettingsStore, logger: Logger) {
        self.configured = configured
        self.settings = settings
        self.captureDirectory = mail.captureDirectory
        self.trustCA = mail.trustCAPath
        self.ehloName = mail.ehloName
        self.logger = logger
        self.current = Mutex(nil)
    }

    /// The relay URL of the process configuration (`SEALDROP_SMTP_URL`, or its default).
    var configuredURL: String { configured.relayURL.value }

    /// The relay URL in force now.
    var effectiveURL: String { configured.relayURL(in: settings.current) }

    /// Whether mail is kept in the data dir instead of sent.
    var isCapture: Bool { effectiveURL.hasPrefix("capture:") }

    func deliver(_ message: OutboxMessage) async throws {
        try await transport().deliver(message)
    }

    func deliver(_ message: OutboxMessage, accepted: @escaping @Sendable () async -> Void) async throws {
        try await transport().deliver(message, accepted: accepted)
    }

    /// The transport for the URL in force, built on first use after a change.
    func transport() throws -> any MailTransport {
        let url = effectiveURL
        if let existing = current.withLock({ $0 }), existing.url == url { return existing.transport }
        let made = try Self.make(url: url, captureDirectory: captureDirectory, trustCA: trustCA, ehloName: ehloName, logger: logger)
        current.withLock { $0 = (url, made) }
        return made
    }

    static func make(url: String, captureDirectory: String, trustCA: String?, ehloName: String, logger: Logger) throws -> any MailTransport {
        if url.hasPrefix("capture:") { return try CaptureMailTransport(directory: captureDirectory) }
        return SMTPMailTransport(configuration: try SMTPMailTransport.configuration(url: url, trustCA: trustCA, ehloName: ehloName), logger: logger)
    }

    /// Why `url` is not a usable relay, as `SEALDROP_SMTP_URL` parsing words it; nil when it is.
    func problem(withURL url: String) -> String? {
        do {
            _ = try SMTPMailTransport.configuration(url: url, trustCA: trustCA, ehloName: "localhost")
            return nil
        } catch let error as ConfigurationError {
            return error.problem
        } catch {
            return "\(error)"
        }
    }

    /// Sends one test message now, outside the outbox, and returns the relay's final answer (or where the
    /// capture transport kept it).
    func sendTest(to address: String, from: String, builder: MailMessageBuilder) async -> (ok: Bool, answer: String) {
        let url = effectiveURL
        let subject = "Sealdrop test mail"
        let body = builder.build(to: [address], subject: subject, body: "This is a test message from the Sealdrop admin interface.\n")
        if url.hasPrefix("capture:") {
            do {
                let transport = try CaptureMailTransport(directory: captureDirectory)
                try await transport.deliver(OutboxMessage(id: Int64(Date().timeIntervalSince1970 * 1000), kind: "test", envelopeFrom: from, envelopeTo: [address], subject: subject, message: body,
                                                          createdAt: Date(), nextAttemptAt: Date()))
                return (true, "Capture mode: the message was kept in \(captureDirectory).")
            } catch {
                return (false, "Capture mode: the message could not be written (\(error)).")
            }
        }
        do {
            let configuration = try SMTPMailTransport.configuration(url: url, trustCA: trustCA, ehloName: ehloName)
            let client = SMTPClient(configuration: configuration, logger: logger)
            let result = try await client.send(SMTPEnvelope(from: from, to: [address]), message: body)
            let refused = result.rejected.map { "\($0.address): \($0.reply)" }.joined(separator: "; ")
            return (result.rejected.isEmpty, "\(result.dataReply)" + (refused.isEmpty ? "" : " — refused: \(refused)"))
        } catch let error as SMTPError {
            return (false, error.description)
        } catch let error as ConfigurationError {
            return (false, error.problem)
        } catch {
            return (false, "\(error)")
        }
    }
}
