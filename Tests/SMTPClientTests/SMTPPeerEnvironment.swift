import Foundation
import Testing

/// Endpoints of the aiosmtpd peers started by `scripts/peers/smtp.sh` (`smtp_peers_start`).
///
/// When the variables are absent the real-peer suite is skipped locally; where `CI=true` it runs
/// anyway and every test fails with the message below, so CI cannot silently lose coverage.
struct SMTPPeerEnvironment {
    let host: String
    let plainPort: Int
    let startTLSPort: Int
    let tlsPort: Int
    let startTLSOptionalPort: Int
    let legacyPort: Int
    let caFile: String
    let user: String
    let password: String
    let sizeLimit: Int
    let maildirPlain: String
    let maildirStartTLS: String
    let maildirTLS: String
    let maildirStartTLSOptional: String
    let maildirLegacy: String

    static let missingMessage: Comment =
        "SMTP peers are not running: `source scripts/peers/smtp.sh && smtp_peers_start` exports SMTP_HOST, SMTP_*_PORT, SMTP_CA_FILE, SMTP_USER, SMTP_PASSWORD, SMTP_MAILDIR_*"

    /// The peers from the environment, or `nil` when any variable is missing.
    static let current: SMTPPeerEnvironment? = {
        let env = ProcessInfo.processInfo.environment
        func string(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }
        guard let host = string("SMTP_HOST"), let plainPort = int("SMTP_PLAIN_PORT"),
            let startTLSPort = int("SMTP_STARTTLS_PORT"), let tlsPort = int("SMTP_TLS_PORT"),
            let startTLSOptionalPort = int("SMTP_STARTTLS_OPTIONAL_PORT"), let legacyPort = int("SMTP_LEGACY_PORT"),
            let caFile = string("SMTP_CA_FILE"), let user = string("SMTP_USER"), let password = string("SMTP_PASSWORD"),
            let sizeLimit = int("SMTP_SIZE_LIMIT"),
            let maildirPlain = string("SMTP_MAILDIR_PLAIN"), let maildirStartTLS = string("SMTP_MAILDIR_STARTTLS"),
            let maildirTLS = string("SMTP_MAILDIR_TLS"), let maildirStartTLSOptional = string("SMTP_MAILDIR_STARTTLS_OPTIONAL"),
            let maildirLegacy = string("SMTP_MAILDIR_LEGACY")
        else { return nil }
        return SMTPPeerEnvironment(
            host: host, plainPort: plainPort, startTLSPort: startTLSPort, tlsPort: tlsPort,
            startTLSOptionalPort: startTLSOptionalPort, legacyPort: legacyPort, caFile: caFile, user: user,
            password: password, sizeLimit: sizeLimit, maildirPlain: maildirPlain, maildirStartTLS: maildirStartTLS,
            maildirTLS: maildirTLS, maildirStartTLSOptional: maildirStartTLSOptional, maildirLegacy: maildirLegacy
        )
    }()

    /// Whether CI asked for real peers to be mandatory.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether the real-peer suite should run (peers present, or CI where absence must fail).
    static let shouldRun = current != nil || isCI

    /// The peers, or a recorded failure (CI) and `nil`.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> SMTPPeerEnvironment? {
        if let current { return current }
        Issue.record(missingMessage, sourceLocation: sourceLocation)
        return nil
    }

    /// The raw bytes of the one stored message containing `token`, or `nil`.
    static func storedMessage(in maildir: String, containing token: String) throws -> [UInt8]? {
        let directory = URL(fileURLWithPath: maildir).appendingPathComponent("new")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
            if String(decoding: bytes, as: UTF8.self).contains(token) { return bytes }
        }
        return nil
    }
}
