import Foundation
import Synchronization

/// Every setting an administrator can change at run time, with the product's defaults.
///
/// Decoding tolerates missing members (each falls back to its default) so a config file may set a subset.
public struct SealdropSettings: Codable, Sendable, Equatable {
    public var policy: PolicySettings = PolicySettings()
    public var password: PasswordPolicy = PasswordPolicy()
    public var downloadProtection: DownloadProtectionSettings = DownloadProtectionSettings()
    public var verification: VerificationSettings = VerificationSettings()
    public var cors: CORSSettings = CORSSettings()
    public var legal: LegalSettings = LegalSettings()
    public var remoteLogging: RemoteLoggingSettings = RemoteLoggingSettings()
    public var cleanup: CleanupSettings = CleanupSettings()
    /// Product keys an administrator registered (add-ins: Outlook, OWA, Notes, …); besides them the
    /// built-in `api.rest` and `server` are always accepted (see `acceptsProductKey`).
    public var productKeys: [String] = []
    /// Highest minor version of API major 1 this server advertises.
    public var apiMinorVersion: Int = 15
    /// Whether plain-HTTP user requests are redirected to HTTPS.
    public var redirectHTTPToHTTPS: Bool = false
    /// Whether plain-HTTP admin requests (9090) are redirected to the admin HTTPS listener (8080).
    public var adminRedirectHTTPToHTTPS: Bool = false
    /// Origins allowed to frame the web pages (CSP `frame-ancestors`); empty: none may.
    public var frameAncestors: [String] = []
    /// The public URL of the user pages for links in mails and `Location`; empty: the configured one.
    public var publicBaseURL: String = ""
    /// Client networks (CIDR) the admin listeners answer; everyone else gets 403.
    public var adminAllowedNetworks: [String] = IPNetwork.defaultAdminNetworks
    /// The mail relay administrators chose; empty values fall back to the configuration.
    public var mail: MailServerSettings = MailServerSettings()

    public init() {}

    /// Keys every server accepts: the REST API's own and the web app's.
    public static let builtInProductKeys = ["api.rest", "server"]

    /// Whether `key` is valid wherever the REST API takes a product key (path, header, query).
    public func acceptsProductKey(_ key: String) -> Bool {
        Self.builtInProductKeys.contains(key) || productKeys.contains(key)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SealdropSettings()
        policy = try c.decodeIfPresent(PolicySettings.self, forKey: .policy) ?? d.policy
        password = try c.decodeIfPresent(PasswordPolicy.self, forKey: .password) ?? d.password
        downloadProtection = try c.decodeIfPresent(DownloadProtectionSettings.self, forKey: .downloadProtection) ?? d.downloadProtection
        verification = try c.decodeIfPresent(VerificationSettings.self, forKey: .verification) ?? d.verification
        cors = try c.decodeIfPresent(CORSSettings.self, forKey: .cors) ?? d.cors
        legal = try c.decodeIfPresent(LegalSettings.self, forKey: .legal) ?? d.legal
        remoteLogging = try c.decodeIfPresent(RemoteLoggingSettings.self, forKey: .remoteLogging) ?? d.remoteLogging
        cleanup = try c.decodeIfPresent(CleanupSettings.self, forKey: .cleanup) ?? d.cleanup
        productKeys = try c.decodeIfPresent([String].self, forKey: .productKeys) ?? d.productKeys
        apiMinorVersion = try c.decodeIfPresent(Int.self, forKey: .apiMinorVersion) ?? d.apiMinorVersion
        redirectHTTPToHTTPS = try c.decodeIfPresent(Bool.self, forKey: .redirectHTTPToHTTPS) ?? d.redirectHTTPToHTTPS
        adminRedirectHTTPToHTTPS = try c.decodeIfPresent(Bool.self, forKey: .adminRedirectHTTPToHTTPS) ?? d.adminRedirectHTTPToHTTPS
        frameAncestors = try c.decodeIfPresent([String].self, forKey: .frameAncestors) ?? d.frameAncestors
        publicBaseURL = try c.decodeIfPresent(String.self, forKey: .publicBaseURL) ?? d.publicBaseURL
        adminAllowedNetworks = try c.decodeIfPresent([String].self, forKey: .adminAllowedNetworks) ?? d.adminAllowedNetworks
        mail = try c.decodeIfPresent(MailServerSettings.self, forKey: .mail) ?? d.mail
    }

    /// `http(s)://host[:port][/path]` without query, fragment, credentials or whitespace.
    static func isBaseURL(_ text: String) -> Bool {
        guard text.count <= 2000, text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" && $0 != "<" && $0 != ">" }),
              let url = URLComponents(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
              let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil else { return false }
        return true
    }

    /// Problems that must stop the server from starting, each naming its key.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if !(1...365).contains(policy.maxRetentionDays) { errors.append("policy.maxRetentionDays must be between 1 and 365") }
        if !(1...max(1, policy.maxRetentionDays)).contains(policy.defaultRetentionDays) {
            errors.append("policy.defaultRetentionDays must be between 1 and the maximum retention")
        }
        if !publicBaseURL.isEmpty, !Self.isBaseURL(publicBaseURL) {
            errors.append("publicBaseURL must be an absolute http(s) URL like https://files.example.com")
        }
        if adminAllowedNetworks.isEmpty || adminAllowedNetworks.contains(where: { IPNetwork($0) == nil }) {
            errors.append("adminAllowedNetworks must be one or more networks like 10.0.0.0/8 or ::1/128")
        }
        if !mail.relayURL.isEmpty, !(mail.relayURL.hasPrefix("capture:") || ["smtp", "smtp+starttls", "smtps"].contains(URLComponents(string: mail.relayURL)?.scheme?.lowercased() ?? "")) {
            errors.append("mail.relayURL must be smtp://, smtp+starttls://, smtps://[user:pass@]host[:port] or capture:")
        }
        if !mail.from.isEmpty, EmailAddress(mail.from) == nil || mail.from.contains(where: { $0.isNewline || $0 == "<" || $0 == ">" }) {
            errors.append("mail.from must be an email address")
        }
        if policy.maxTotalSize < 1 { errors.append("policy.maxTotalSize must be positive") }
        if policy.allowedPasswordModes.isEmpty { errors.append("policy.allowedPasswordModes must name at least one mode") }
        if password.minimumLength < 1 { errors.append("password.minimumLength must be at least 1") }
        errors += PasswordGenerator.problems(for: password)
        let v = verification
        for (key, value) in [("maxCodeRequestsPer10Minutes", v.maxCodeRequestsPer10Minutes),
                             ("maxCodeRequestsPerClientPer10Minutes", v.maxCodeRequestsPerClientPer10Minutes),
                             ("maxCodeRequestsPerSourcePer10Minutes", v.maxCodeRequestsPerSourcePer10Minutes),
                             ("maxCodeMailsPerMinute", v.maxCodeMailsPerMinute), ("maxCodeMailsPerHour", v.maxCodeMailsPerHour)] where value < 1 {
            errors.append("verification.\(key) must be at least 1")
        }
        if downloadProtection.maxAttempts < 1 { errors.append("downloadProtection.maxAttempts must be at least 1") }
        if !(13...15).contains(apiMinorVersion) { errors.append("apiMinorVersion must be between 13 and 15") }
        // An origin goes into a CSP header: only scheme, host and port characters may pass.
        if frameAncestors.contains(where: { $0.isEmpty || $0.contains(where: { !($0.isLetter || $0.isNumber || ":/.-*".contains($0)) }) || !$0.allSatisfy(\.isASCII) }) {
            errors.append("frameAncestors must be origins like https://portal.example.com")
        }
        return errors
    }
}

/// The default transfer rule: who may send to whom, limits and defaults (spec §6.1).
public struct PolicySettings: Codable, Sendable, Equatable {
    /// Sender patterns: full addresses, domains (`example.com`) or anchored regexes (`^…$`); empty allows all.
    public var senderPatterns: [String] = []
    /// Recipient patterns, same syntax; empty allows all.
    public var recipientPatterns: [String] = []
    public var maxRetentionDays: Int = 14
    /// Retention a new transfer gets unless the sender picks a date; at most `maxRetentionDays`.
    public var defaultRetentionDays: Int = 14
    /// Whether recipients get a `checksums.csv` (SHA-256 per file) with ZIP downloads.
    public var checksumsEnabled: Bool = true
    public var maxTotalSize: Int64 = 10 * 1024 * 1024 * 1024
    public var showFileNamesDefault: Bool = true
    public var showFileNamesChangeable: Bool = true
    public var showZipFileContentDefault: Bool = false
    public var sendDownloadNotificationsDefault: Bool = true
    public var sendDownloadNotificationsChangeable: Bool = true
    public var sendUploadSummaryDefault: Bool = true
    public var sendDownloadSummaryDefault: Bool = true
    public var recipientNotificationEditable: Bool = true
    public var confidentialMessageAllowed: Bool = true
    public var confidentialMessageRequired: Bool = false
    /// Allowed password modes by priority; the first is the default.
    public var allowedPasswordModes: [PasswordMode] = [.generated, .manual, .none]
    /// Whether the sender's upload summary shows a GENERATED password (off: it is shown once, at upload).
    public var generatedPasswordInUploadSummary: Bool = false

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PolicySettings()
        senderPatterns = try c.decodeIfPresent([String].self, forKey: .senderPatterns) ?? d.senderPatterns
        recipientPatterns = try c.decodeIfPresent([String].self, forKey: .recipientPatterns) ?? d.recipientPatterns
        maxRetentionDays = try c.decodeIfPresent(Int.self, forKey: .maxRetentionDays) ?? d.maxRetentionDays
        defaultRetentionDays = try c.decodeIfPresent(Int.self, forKey: .defaultRetentionDays) ?? min(maxRetentionDays, d.defaultRetentionDays)
        checksumsEnabled = try c.decodeIfPresent(Bool.self, forKey: .checksumsEnabled) ?? d.checksumsEnabled
        maxTotalSize = try c.decodeIfPresent(Int64.self, forKey: .maxTotalSize) ?? d.maxTotalSize
        showFileNamesDefault = try c.decodeIfPresent(Bool.self, forKey: .showFileNamesDefault) ?? d.showFileNamesDefault
        showFileNamesChangeable = try c.decodeIfPresent(Bool.self, forKey: .showFileNamesChangeable) ?? d.showFileNamesChangeable
        showZipFileContentDefault = try c.decodeIfPresent(Bool.self, forKey: .showZipFileContentDefault) ?? d.showZipFileContentDefault
        sendDownloadNotificationsDefault = try c.decodeIfPresent(Bool.self, forKey: .sendDownloadNotificationsDefault) ?? d.sendDownloadNotificationsDefault
        sendDownloadNotificationsChangeable = try c.decodeIfPresent(Bool.self, forKey: .sendDownloadNotificationsChangeable) ?? d.sendDownloadNotificationsChangeable
        sendUploadSummaryDefault = try c.decodeIfPresent(Bool.self, forKey: .sendUploadSummaryDefault) ?? d.sendUploadSummaryDefault
        sendDownloadSummaryDefault = try c.decodeIfPresent(Bool.self, forKey: .sendDownloadSummaryDefault) ?? d.sendDownloadSummaryDefault
        recipientNotificationEditable = try c.decodeIfPresent(Bool.self, forKey: .recipientNotificationEditable) ?? d.recipientNotificationEditable
        confidentialMessageAllowed = try c.decodeIfPresent(Bool.self, forKey: .confidentialMessageAllowed) ?? d.confidentialMessageAllowed
        confidentialMessageRequired = try c.decodeIfPresent(Bool.self, forKey: .confidentialMessageRequired) ?? d.confidentialMessageRequired
        allowedPasswordModes = try c.decodeIfPresent([PasswordMode].self, forKey: .allowedPasswordModes) ?? d.allowedPasswordModes
        generatedPasswordInUploadSummary = try c.decodeIfPresent(Bool.self, forKey: .generatedPasswordInUploadSummary) ?? d.generatedPasswordInUploadSummary
    }
}

/// What happens after repeated wrong passwords for one recipient's transfer id.
public struct DownloadProtectionSettings: Codable, Sendable, Equatable {
    /// Lock the recipient's transfer id for a period, or delete the whole transfer.
    public enum Action: String, Codable, Sendable { case lock, delete }
    public var maxAttempts: Int = 10
    public var action: Action = .lock
    public var lockMinutes: Int = 60
    /// Addresses told about download-protection events besides the sender.
    public var adminEmails: [String] = []

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DownloadProtectionSettings()
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? d.maxAttempts
        action = try c.decodeIfPresent(Action.self, forKey: .action) ?? d.action
        lockMinutes = try c.decodeIfPresent(Int.self, forKey: .lockMinutes) ?? d.lockMinutes
        adminEmails = try c.decodeIfPresent([String].self, forKey: .adminEmails) ?? d.adminEmails
    }
}

/// Sender verification: validity terms, codes, rate limits and registered client ids.
public struct VerificationSettings: Codable, Sendable, Equatable {
    /// Maximum validity from the moment of verification, in days; 0 switches it off.
    public var maxValidityDays: Int = 30
    /// Idle validity, restarted by every use, in days; 0 switches it off.
    public var idleValidityDays: Int = 30
    public var codeValidityMinutes: Int = 15
    public var maxCodeAttempts: Int = 5
    /// Codes one address may request per rolling 10 minutes before 429/2007.
    public var maxCodeRequestsPer10Minutes: Int = 5
    /// Codes one client id may request per rolling 10 minutes, whatever the addresses.
    public var maxCodeRequestsPerClientPer10Minutes: Int = 10
    /// Codes one source (an IPv4 address, an IPv6 /64) may request per rolling 10 minutes, whatever the
    /// client ids; several people behind one NAT share it.
    public var maxCodeRequestsPerSourcePer10Minutes: Int = 30
    /// Code mails the whole server sends per rolling minute and per rolling hour: the budget a flood of
    /// many sources can take, so notifications keep the relay.
    public var maxCodeMailsPerMinute: Int = 60
    public var maxCodeMailsPerHour: Int = 600
    public var emailVerificationEnabled: Bool = true
    /// Client ids allowed to verify without a code (client-id verification), with a description.
    public var registeredClientIds: [String: String] = [:]

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = VerificationSettings()
        maxValidityDays = try c.decodeIfPresent(Int.self, forKey: .maxValidityDays) ?? d.maxValidityDays
        idleValidityDays = try c.decodeIfPresent(Int.self, forKey: .idleValidityDays) ?? d.idleValidityDays
        codeValidityMinutes = try c.decodeIfPresent(Int.self, forKey: .codeValidityMinutes) ?? d.codeValidityMinutes
        maxCodeAttempts = try c.decodeIfPresent(Int.self, forKey: .maxCodeAttempts) ?? d.maxCodeAttempts
        maxCodeRequestsPer10Minutes = try c.decodeIfPresent(Int.self, forKey: .maxCodeRequestsPer10Minutes) ?? d.maxCodeRequestsPer10Minutes
        maxCodeRequestsPerClientPer10Minutes = try c.decodeIfPresent(Int.self, forKey: .maxCodeRequestsPerClientPer10Minutes)
            ?? d.maxCodeRequestsPerClientPer10Minutes
        maxCodeRequestsPerSourcePer10Minutes = try c.decodeIfPresent(Int.self, forKey: .maxCodeRequestsPerSourcePer10Minutes)
            ?? d.maxCodeRequestsPerSourcePer10Minutes
        maxCodeMailsPerMinute = try c.decodeIfPresent(Int.self, forKey: .maxCodeMailsPerMinute) ?? d.maxCodeMailsPerMinute
        maxCodeMailsPerHour = try c.decodeIfPresent(Int.self, forKey: .maxCodeMailsPerHour) ?? d.maxCodeMailsPerHour
        emailVerificationEnabled = try c.decodeIfPresent(Bool.self, forKey: .emailVerificationEnabled) ?? d.emailVerificationEnabled
        registeredClientIds = try c.decodeIfPresent([String: String].self, forKey: .registeredClientIds) ?? d.registeredClientIds
    }
}

/// Which foreign origins may call the API from a browser.
public struct CORSSettings: Codable, Sendable, Equatable {
    /// Off, a list of origins, or every origin.
    public enum Mode: String, Codable, Sendable { case off, list, all }
    public var mode: Mode = .off
    public var origins: [String] = []

    public init(mode: Mode = .off, origins: [String] = []) {
        self.mode = mode
        self.origins = origins
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? .off
        origins = try c.decodeIfPresent([String].self, forKey: .origins) ?? []
    }

    /// Whether a browser origin (scheme://host[:port]) may call the API.
    public func allows(origin: String) -> Bool {
        switch mode {
        case .off: false
        case .all: true
        case .list: origins.contains { $0.caseInsensitiveCompare(origin) == .orderedSame }
        }
    }
}

/// Terms of use and imprint, per language, as HTML text or a link.
public struct LegalSettings: Codable, Sendable, Equatable {
    /// One localized legal text.
    public struct Text: Codable, Sendable, Equatable {
        public var locale: String
        public var title: String
        public var content: String
        /// `html` or `link`.
        public var type: String

        public init(locale: String, title: String, content: String, type: String) {
            self.locale = locale
            self.title = title
            self.content = content
            self.type = type
        }
    }
    public var termsActive: Bool = false
    public var termsLastChange: Date? = nil
    public var terms: [Text] = [
        Text(locale: "en", title: "Terms of use", content: "<p>Use this service only for lawful purposes.</p>", type: "html"),
        Text(locale: "de", title: "Nutzungsbedingungen", content: "<p>Nutzen Sie diesen Dienst nur für rechtmäßige Zwecke.</p>", type: "html"),
    ]
    public var imprint: Text = Text(locale: "en", title: "Imprint", content: "<p>Operated with Sealdrop.</p>", type: "html")

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LegalSettings()
        termsActive = try c.decodeIfPresent(Bool.self, forKey: .termsActive) ?? d.termsActive
        termsLastChange = try c.decodeIfPresent(Date.self, forKey: .termsLastChange) ?? d.termsLastChange
        terms = try c.decodeIfPresent([Text].self, forKey: .terms) ?? d.terms
        imprint = try c.decodeIfPresent(Text.self, forKey: .imprint) ?? d.imprint
    }
}

/// The relay administrators set in the admin interface; empty means the configured `SEALDROP_SMTP_URL`.
public struct MailServerSettings: Codable, Sendable, Equatable {
    /// `smtp://…`, `smtp+starttls://…`, `smtps://…` or `capture:`; may carry `user:password@`.
    public var relayURL: String = ""
    /// The address notifications come from; empty means `SEALDROP_MAIL_FROM`.
    public var from: String = ""

    public init(relayURL: String = "", from: String = "") {
        self.relayURL = relayURL
        self.from = from
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        relayURL = try c.decodeIfPresent(String.self, forKey: .relayURL) ?? ""
        from = try c.decodeIfPresent(String.self, forKey: .from) ?? ""
    }
}

/// Whether clients may forward their logs to the server, and at which level.
public struct RemoteLoggingSettings: Codable, Sendable, Equatable {
    public var enabled: Bool = false
    public var level: String = "info"

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        level = try c.decodeIfPresent(String.self, forKey: .level) ?? "info"
    }
}

/// How often clean-up runs and when open sessions count as abandoned.
public struct CleanupSettings: Codable, Sendable, Equatable {
    public var intervalSeconds: Int = 60
    public var abandonedSessionHours: Int = 24

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        intervalSeconds = try c.decodeIfPresent(Int.self, forKey: .intervalSeconds) ?? 60
        abandonedSessionHours = try c.decodeIfPresent(Int.self, forKey: .abandonedSessionHours) ?? 24
    }
}

/// The live settings; reads are cheap and a change is seen by the next request.
public final class SettingsStore: Sendable {
    private let value: Mutex<SealdropSettings>

    public init(_ settings: SealdropSettings) {
        self.value = Mutex(settings)
    }

    /// The settings in force now.
    public var current: SealdropSettings { value.withLock { $0 } }

    /// Applies a change atomically.
    public func update(_ change: (inout SealdropSettings) -> Void) {
        value.withLock { change(&$0) }
    }
}
