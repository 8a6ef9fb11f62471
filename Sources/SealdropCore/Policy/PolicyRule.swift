import Foundation

/// One policy rule: which senders (by address pattern, directory membership or network) may send to which
/// recipients, and the transfer settings that then apply. Matching is in two steps (`docs/policy.md`): rules
/// whose sender side matches, then each recipient against those.
public struct PolicyRule: Codable, Sendable, Equatable {
    /// Whether a match allows or declines the transfer.
    public enum Action: String, Codable, Sendable, CaseIterable {
        case allow, decline
    }

    /// One side of a rule. Empty patterns and directory selections match everyone; otherwise an address
    /// matches when it matches a pattern **or** a directory selection. `networks` (sender side only) must
    /// additionally hold the client's address when given.
    public struct Side: Codable, Sendable, Equatable {
        /// Addresses (`jane@example.com`), domains (`example.com`, `@example.com`) or regular expressions (`/…/`).
        public var patterns: [String] = []
        /// Directory selections: `group:DN`, `user:DN` or `filter:(…)`.
        public var ldap: [String] = []
        /// Client networks in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); sender side only.
        public var networks: [String] = []

        public init(patterns: [String] = [], ldap: [String] = [], networks: [String] = []) {
            self.patterns = patterns
            self.ldap = ldap
            self.networks = networks
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            patterns = try c.decodeIfPresent([String].self, forKey: .patterns) ?? []
            ldap = try c.decodeIfPresent([String].self, forKey: .ldap) ?? []
            networks = try c.decodeIfPresent([String].self, forKey: .networks) ?? []
        }

        /// Whether the side names nobody in particular (it then matches every address).
        public var matchesEveryAddress: Bool { patterns.isEmpty && ldap.isEmpty }
    }

    public var name: String
    public var action: Action = .allow
    public var sender = Side()
    public var recipient = Side()
    public var settings = RuleSettings()

    public init(name: String, action: Action = .allow, sender: Side = Side(), recipient: Side = Side(), settings: RuleSettings = RuleSettings()) {
        self.name = name
        self.action = action
        self.sender = sender
        self.recipient = recipient
        self.settings = settings
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        action = try c.decodeIfPresent(Action.self, forKey: .action) ?? .allow
        sender = try c.decodeIfPresent(Side.self, forKey: .sender) ?? Side()
        recipient = try c.decodeIfPresent(Side.self, forKey: .recipient) ?? Side()
        settings = try c.decodeIfPresent(RuleSettings.self, forKey: .settings) ?? RuleSettings()
    }
}

/// The transfer settings a rule grants, named as the REST API's `TransferPolicySettings` members, plus the
/// mail sender and what the transfer log records.
public struct RuleSettings: Codable, Sendable, Equatable {
    /// A security mode and the password modes it allows, by priority (the first is the default).
    public struct SecurityMode: Codable, Sendable, Equatable {
        public var name: String
        public var allowedPasswordModes: [PasswordMode]

        public init(name: String = "ONE_TIME_PASSWORD", allowedPasswordModes: [PasswordMode]) {
            self.name = name
            self.allowedPasswordModes = allowedPasswordModes
        }
    }

    /// Largest sum of file sizes, bytes.
    public var maxTotalSize: Int64 = 10 * 1024 * 1024 * 1024
    /// Longest retention, days.
    public var maxRetentionPeriod: Int = 14
    public var showFileNamesDefault: Bool = true
    public var showFileNamesChangeable: Bool = true
    public var showZipFileContentDefault: Bool = false
    public var sendDownloadNotificationsDefault: Bool = true
    public var sendDownloadNotificationsChangeable: Bool = true
    public var recipientNotificationEditable: Bool = true
    public var confidentialMessageAllowed: Bool = true
    public var confidentialMessageRequired: Bool = false
    public var securityModes: [SecurityMode] = [SecurityMode(allowedPasswordModes: [.generated, .manual, .none])]
    /// Sender name and address of this rule's notifications; empty: the server's.
    public var mailSenderName: String = ""
    public var mailSenderAddress: String = ""
    /// Whether the transfer log records subjects and file names of these transfers.
    public var logSubjects: Bool = true
    public var logFileNames: Bool = true
    /// Whether these transfers are copied to the archive; nil: the archive's default (`archive.enabled`).
    public var archive: Bool?

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RuleSettings()
        maxTotalSize = try c.decodeIfPresent(Int64.self, forKey: .maxTotalSize) ?? d.maxTotalSize
        maxRetentionPeriod = try c.decodeIfPresent(Int.self, forKey: .maxRetentionPeriod) ?? d.maxRetentionPeriod
        showFileNamesDefault = try c.decodeIfPresent(Bool.self, forKey: .showFileNamesDefault) ?? d.showFileNamesDefault
        showFileNamesChangeable = try c.decodeIfPresent(Bool.self, forKey: .showFileNamesChangeable) ?? d.showFileNamesChangeable
        showZipFileContentDefault = try c.decodeIfPresent(Bool.self, forKey: .showZipFileContentDefault) ?? d.showZipFileContentDefault
        sendDownloadNotificationsDefault = try c.decodeIfPresent(Bool.self, forKey: .sendDownloadNotificationsDefault) ?? d.sendDownloadNotificationsDefault
        sendDownloadNotificationsChangeable = try c.decodeIfPresent(Bool.self, forKey: .sendDownloadNotificationsChangeable) ?? d.sendDownloadNotificationsChangeable
        recipientNotificationEditable = try c.decodeIfPresent(Bool.self, forKey: .recipientNotificationEditable) ?? d.recipientNotificationEditable
        confidentialMessageAllowed = try c.decodeIfPresent(Bool.self, forKey: .confidentialMessageAllowed) ?? d.confidentialMessageAllowed
        confidentialMessageRequired = try c.decodeIfPresent(Bool.self, forKey: .confidentialMessageRequired) ?? d.confidentialMessageRequired
        securityModes = try c.decodeIfPresent([SecurityMode].self, forKey: .securityModes) ?? d.securityModes
        mailSenderName = try c.decodeIfPresent(String.self, forKey: .mailSenderName) ?? d.mailSenderName
        mailSenderAddress = try c.decodeIfPresent(String.self, forKey: .mailSenderAddress) ?? d.mailSenderAddress
        logSubjects = try c.decodeIfPresent(Bool.self, forKey: .logSubjects) ?? d.logSubjects
        logFileNames = try c.decodeIfPresent(Bool.self, forKey: .logFileNames) ?? d.logFileNames
        archive = try c.decodeIfPresent(Bool.self, forKey: .archive)
    }

    /// The password modes of the one-time-password security mode.
    public var allowedPasswordModes: [PasswordMode] {
        securityModes.first { $0.name == "ONE_TIME_PASSWORD" }?.allowedPasswordModes ?? []
    }

    /// The switches by member name, for conflict settings and CSV.
    public static let switchNames = [
        "showFileNamesDefault", "showFileNamesChangeable", "showZipFileContentDefault", "sendDownloadNotificationsDefault",
        "sendDownloadNotificationsChangeable", "recipientNotificationEditable", "confidentialMessageAllowed",
        "confidentialMessageRequired", "logSubjects", "logFileNames",
    ]

    /// The switch named `name`.
    public subscript(switch name: String) -> Bool {
        get {
            switch name {
            case "showFileNamesDefault": showFileNamesDefault
            case "showFileNamesChangeable": showFileNamesChangeable
            case "showZipFileContentDefault": showZipFileContentDefault
            case "sendDownloadNotificationsDefault": sendDownloadNotificationsDefault
            case "sendDownloadNotificationsChangeable": sendDownloadNotificationsChangeable
            case "recipientNotificationEditable": recipientNotificationEditable
            case "confidentialMessageAllowed": confidentialMessageAllowed
            case "confidentialMessageRequired": confidentialMessageRequired
            case "logSubjects": logSubjects
            default: logFileNames
            }
        }
        set {
            switch name {
            case "showFileNamesDefault": showFileNamesDefault = newValue
            case "showFileNamesChangeable": showFileNamesChangeable = newValue
            case "showZipFileContentDefault": showZipFileContentDefault = newValue
            case "sendDownloadNotificationsDefault": sendDownloadNotificationsDefault = newValue
            case "sendDownloadNotificationsChangeable": sendDownloadNotificationsChangeable = newValue
            case "recipientNotificationEditable": recipientNotificationEditable = newValue
            case "confidentialMessageAllowed": confidentialMessageAllowed = newValue
            case "confidentialMessageRequired": confidentialMessageRequired = newValue
            case "logSubjects": logSubjects = newValue
            default: logFileNames = newValue
            }
        }
    }
}
