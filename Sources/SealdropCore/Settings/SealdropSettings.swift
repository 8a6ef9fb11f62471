import Foundation

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
    /// Product name and colours of mails and pages.
    public var branding: BrandingSettings = BrandingSettings()
    /// The policy rules; none: the single default rule of `policy`.
    public var policyRules: PolicyRules = PolicyRules()
    /// The LDAP directory of `group:`, `user:` and `filter:` rule selections.
    public var directory: DirectorySettings = DirectorySettings()
    /// Where every sent transfer is copied for the organisation's archive.
    public var archive: ArchiveSettings = ArchiveSettings()
    /// When each background task runs.
    public var tasks: TaskSettings = TaskSettings()
    /// How long personal data of ended transfers and sent mail is kept.
    public var retention: RetentionSettings = RetentionSettings()
    /// The daily digest of the transfer log to the administrators.
    public var digest: DigestSettings = DigestSettings()
    /// Where the scheduled backup goes and how many are kept.
    public var backup: BackupSettings = BackupSettings()

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
        branding = try c.decodeIfPresent(BrandingSettings.self, forKey: .branding) ?? d.branding
        policyRules = try c.decodeIfPresent(PolicyRules.self, forKey: .policyRules) ?? d.policyRules
        directory = try c.decodeIfPresent(DirectorySettings.self, forKey: .directory) ?? d.directory
        archive = try c.decodeIfPresent(ArchiveSettings.self, forKey: .archive) ?? d.archive
        tasks = try c.decodeIfPresent(TaskSettings.self, forKey: .tasks) ?? d.tasks
        retention = try c.decodeIfPresent(RetentionSettings.self, forKey: .retention) ?? d.retention
        digest = try c.decodeIfPresent(DigestSettings.self, forKey: .digest) ?? d.digest
        backup = try c.decodeIfPresent(BackupSettings.self, forKey: .backup) ?? d.backup
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
        errors += branding.validationErrors()
        errors += directory.validationErrors()
        errors += archive.validationErrors()
        errors += backup.validationErrors()
        errors += policyRules.problems().map { problem in
            let sentence = problem.message.hasSuffix(".") ? problem.message.dropLast() : Substring(problem.message)
            return "\(problem.key) \(sentence.prefix(1).lowercased())\(sentence.dropFirst())"
        }
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
