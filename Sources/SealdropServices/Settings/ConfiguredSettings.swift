import SealdropCore

/// The settings both the operator (configuration file or environment) and administrators (admin settings) may
/// decide: the mail relay, the sender address and the public base URL. The one place the
/// "configured-or-admin-chosen" rule is resolved:
///
/// - a value the configuration sets explicitly is **pinned**: it holds, and the admin setting is read-only;
/// - otherwise the administrator's choice holds when it is not empty;
/// - otherwise the configured value (explicit or default) holds.
public struct ConfiguredSettings: Sendable, Equatable {
    /// One such value: what the configuration gives, and whether the operator set it explicitly.
    public struct Value: Sendable, Equatable {
        /// The configured value, or its default when the configuration does not set it.
        public var value: String
        /// Whether the file or the environment set it (then administrators cannot change it).
        public var pinned: Bool

        public init(_ value: String, pinned: Bool) {
            self.value = value
            self.pinned = pinned
        }
    }

    /// `SEALDROP_SMTP_URL` / `smtpURL` (default `capture:`), chosen at run time as `mail.relayURL`.
    public var relayURL: Value
    /// `SEALDROP_MAIL_FROM` / `mailFrom` (default `sealdrop@<base URL host>`), chosen as `mail.from`.
    public var mailFrom: Value
    /// `SEALDROP_BASE_URL` / `baseURL` (default derived from the user listeners), chosen as `publicBaseURL`.
    public var baseURL: Value

    public init(relayURL: Value, mailFrom: Value, baseURL: Value) {
        self.relayURL = relayURL
        self.mailFrom = mailFrom
        self.baseURL = baseURL
    }

    /// The run-time setting keys of the three values.
    public static let settingKeys: Set<String> = ["mail.relayURL", "mail.from", "publicBaseURL"]

    /// The run-time setting keys the configuration pins: read-only in the admin interface.
    public var pinnedKeys: Set<String> {
        var keys: Set<String> = []
        if relayURL.pinned { keys.insert("mail.relayURL") }
        if mailFrom.pinned { keys.insert("mail.from") }
        if baseURL.pinned { keys.insert("publicBaseURL") }
        return keys
    }

    /// The relay URL in force under the administrators' `settings`.
    public func relayURL(in settings: SealdropSettings) -> String { Self.resolve(relayURL, chosen: settings.mail.relayURL) }

    /// The sender address of notifications in force under `settings`.
    public func mailFrom(in settings: SealdropSettings) -> String { Self.resolve(mailFrom, chosen: settings.mail.from) }

    /// The public base URL of links in force under `settings`, without trailing slash.
    public func baseURL(in settings: SealdropSettings) -> String {
        let url = Self.resolve(baseURL, chosen: settings.publicBaseURL)
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The rule itself: pinned configuration first, then a non-empty admin choice, then the configured value.
    static func resolve(_ configured: Value, chosen: String) -> String {
        configured.pinned || chosen.isEmpty ? configured.value : chosen
    }
}
