/// The mail adapters' configuration: how the SMTP transport reaches a relay and where the capture transport writes.
///
/// Which relay and sender address are in force is not here: the configuration and the admin settings both decide
/// them, and `ConfiguredSettings` resolves that.
public struct MailConfiguration: Sendable, Equatable {
    /// `SEALDROP_TRUST_CA` / `trustCA`: an extra PEM CA certificate the relay's certificate may chain to, besides the
    /// system roots. Default none.
    public var trustCAPath: String?
    /// The name sent in EHLO and the host of Message-IDs: the base URL's host. Default `localhost`.
    public var ehloName: String
    /// Where the `capture:` transport keeps messages instead of sending them: `<data dir>/mail`.
    public var captureDirectory: String
    /// Where an operator puts mail templates that replace the built-in ones, file by file: `<data dir>/templates/mail`.
    public var templatesDirectory: String
    /// Whether mail falls back to `capture:` only because nothing chose a relay, outside `--dev`: then the server
    /// warns at start and on the status page.
    public var capturedByDefault: Bool

    public init(trustCAPath: String?, ehloName: String, captureDirectory: String, templatesDirectory: String, capturedByDefault: Bool) {
        self.trustCAPath = trustCAPath
        self.ehloName = ehloName
        self.captureDirectory = captureDirectory
        self.templatesDirectory = templatesDirectory
        self.capturedByDefault = capturedByDefault
    }
}
