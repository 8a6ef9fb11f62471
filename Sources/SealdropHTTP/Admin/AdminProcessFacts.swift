import SealdropServices

/// The facts of the process configuration the admin pages show or apply: the configured sender and base URL,
/// whether they are pinned, and where the data dir and captured mail are.
public struct AdminProcessFacts: Sendable {
    /// The relay, sender address and base URL the configuration gives, and the rule that resolves them against
    /// the admin settings.
    public var configured: ConfiguredSettings
    /// The data directory, whose free space the status page shows.
    public var dataDirectory: String
    /// Whether mail is captured only because nothing chose a relay: then the status page warns.
    public var capturedByDefault: Bool
    /// Where the `capture:` transport keeps messages.
    public var captureDirectory: String

    public init(configured: ConfiguredSettings, dataDirectory: String, capturedByDefault: Bool, captureDirectory: String) {
        self.configured = configured
        self.dataDirectory = dataDirectory
        self.capturedByDefault = capturedByDefault
        self.captureDirectory = captureDirectory
    }

    /// `SEALDROP_MAIL_FROM` (or its default).
    public var from: String { configured.mailFrom.value }
    /// `SEALDROP_BASE_URL` (or the derived one): its host names the test mail's Message-ID.
    public var baseURL: String { configured.baseURL.value }
}
