import SealdropCore
import SealdropCrypto
import SealdropHTTP
import SealdropServices

/// The process configuration of `sealdrop serve`: one `Configuration` value per adapter and service, as
/// `ConfigurationLoader` made them from the defaults, the JSON config file and the environment (DESIGN §6).
public struct ServerConfiguration: Sendable {
    /// The data directory and the database.
    public var storage: StorageConfiguration
    /// The four listener addresses and the request timeouts (the HTTP module's value).
    public var listeners: HTTPSurfaces.Listeners
    /// The HTTPS listeners' certificate files, or where the self-signed one is kept.
    public var certificate: CertificateConfiguration
    /// The relay, sender address and base URL the configuration gives and whether it pins them; resolved against
    /// the admin settings in one place.
    public var configured: ConfiguredSettings
    /// The mail adapters: trust roots, EHLO name, capture and template directories.
    public var mail: MailConfiguration
    /// Log level and format.
    public var logging: LogConfiguration
    /// The outbox's retry schedule (the loader sets `firstRetryDelay` and `maxAge`).
    public var outbox: OutboxService.Configuration
    /// The archive queue's retry schedule (`archiveFirstRetrySeconds`).
    public var archive = ArchiveService.Configuration()
    /// The update check's manifest URL and additional keys (`SEALDROP_UPDATE_URL`, `SEALDROP_UPDATE_KEYS`).
    public var updates = UpdateConfiguration()
    /// `passwordWrap`: scrypt cost for wrapping transfer keys; tests lower it through the config file. Default
    /// `PasswordKeyWrap.Parameters.default`.
    public var passwordWrap: PasswordKeyWrap.Parameters
    /// The first administrator's password and the bcrypt cost.
    public var admin: AdminConfiguration
    /// The file's `settings` member (or the defaults): the run-time settings the server starts with.
    public var settings: SealdropSettings
    /// The configuration file's `settings` object as JSON text: these keys are read-only in the admin interface.
    public var pinnedSettingsJSON: String?

    /// Loads and validates; the error names the key and the problem in one line.
    public static func load(environment: [String: String], configFile: String?, dev: Bool) throws -> ServerConfiguration {
        try ConfigurationLoader(environment: environment, configFile: configFile, dev: dev).load()
    }
}

/// Values derived from the configuration, for printing and for the tools.
extension ServerConfiguration {
    /// `storage.dataDirectory`.
    public var dataDirectory: String { storage.dataDirectory }

    /// The configured public base URL (without trailing slash).
    public var baseURL: String { configured.baseURL.value }

    /// The SQLite file path of the database URL.
    public var sqlitePath: String { storage.sqlitePath }

    /// Whether mail is captured only because nothing chose a relay (see `MailConfiguration.capturedByDefault`).
    public var mailCapturedByDefault: Bool { mail.capturedByDefault }

    /// The configured relay URL with any password replaced by `***`, for printing.
    public var smtpURLForDisplay: String { SMTPMailTransport.redacted(configured.relayURL.value) }

    /// The one-line warning for `mailCapturedByDefault`.
    public var mailCaptureWarning: String { "mail is captured to \(mail.captureDirectory), not sent: set SEALDROP_SMTP_URL" }

    /// Where an operator puts mail templates that replace the built-in ones, file by file.
    public var mailTemplatesDirectory: String { mail.templatesDirectory }

    /// The mail templates: built-in, overridden by the files in `mailTemplatesDirectory`.
    public func loadMailTemplates() throws(ConfigurationError) -> MailTemplates {
        do {
            return try MailTemplates(overrideDirectory: mail.templatesDirectory)
        } catch {
            throw ConfigurationError(key: "mail templates", problem: error.description)
        }
    }
}
