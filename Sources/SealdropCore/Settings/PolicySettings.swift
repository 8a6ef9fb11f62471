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
