/// The facts of the process configuration the admin pages show or apply: the configured sender and base URL,
/// whether they are pinned, and where the data dir and captured mail are.
public struct AdminProcessFacts: Sendable {
    /// `SEALDROP_MAIL_FROM` (or its default).
    public var from: String
    /// Whether the configuration chose the sender address (then the admin setting is read-only).
    public var fromPinned: Bool
    /// `SEALDROP_BASE_URL` (or the derived one): its host names the test mail's Message-ID.
    public var baseURL: String
    /// The data directory, whose free space the status page shows.
    public var dataDirectory: String
    /// Whether mail is captured only because nothing chose a relay: then the status page warns.
    public var capturedByDefault: Bool
    /// Where the `capture:` transport keeps messages.
    public var captureDirectory: String

    public init(from: String, fromPinned: Bool, baseURL: String, dataDirectory: String, capturedByDefault: Bool, captureDirectory: String) {
        self.from = from
        self.fromPinned = fromPinned
        self.baseURL = baseURL
        self.dataDirectory = dataDirectory
        self.capturedByDefault = capturedByDefault
        self.captureDirectory = captureDirectory
    }
}
