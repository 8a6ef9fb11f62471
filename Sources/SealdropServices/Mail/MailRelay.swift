import Foundation

/// What the admin interface sees of the outbox's transport: the relay in force, whether mail is only
/// captured, and a test message sent now. The composition root implements it over the SMTP adapter.
public protocol MailRelay: Sendable {
    /// The relay URL of the process configuration (`SEALDROP_SMTP_URL`).
    var configuredURL: String { get }
    /// The relay URL in force now: the admin setting unless the configuration pins it.
    var effectiveURL: String { get }
    /// Whether mail is kept in the data dir instead of sent.
    var isCapture: Bool { get }
    /// Sends one test message outside the outbox; returns the relay's final answer (or where it was kept).
    func sendTest(to address: String, from: String, builder: MailMessageBuilder) async -> (ok: Bool, answer: String)
    /// Why the SMTP client would refuse `url` as a relay, or nil when it would take it.
    func problem(withURL url: String) -> String?
}

/// Relay URLs as they may be shown.
public enum RelayURL {
    /// The relay URL with any password replaced by `***`, for printing.
    public static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "(unprintable URL)"
    }
}
