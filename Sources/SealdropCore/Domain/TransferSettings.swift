import Foundation

/// The sender-editable settings of a transfer session (spec §6.3, "patchable" members).
public struct TransferSettings: Codable, Sendable, Equatable {
    public var expirationDate: Date
    public var passwordMode: PasswordMode
    public var notificationMessage: NotificationMessage
    public var senderLanguage: String
    public var recipientLanguage: String
    public var sendDownloadNotifications: Bool
    public var sendDownloadSummary: Bool
    public var sendRecipientNotification: Bool
    public var sendUploadSummary: Bool
    public var showFileNames: Bool
    public var showZipFileContent: Bool
    public var fileChecksumAlgorithm: String
    public var classificationId: String?
    public var confidentialMessageFileId: FileID?
    /// What the policy rules gave this transfer besides its limits, fixed at finalize; nil: the server's defaults.
    public var ruleOutput: RuleOutput?

    /// The notifications' sender and what the admin's transfer log shows, as the matching policy rules decided.
    public struct RuleOutput: Codable, Sendable, Equatable {
        /// Sender name and address of this transfer's mails; empty: the server's.
        public var mailSenderName: String
        public var mailSenderAddress: String
        /// Whether the admin's transfer log shows the subject and the file names.
        public var logSubjects: Bool
        public var logFileNames: Bool
        /// Whether the matching rules asked for an archive copy; nil: they left it to the archive's default.
        public var archive: Bool?

        public init(mailSenderName: String = "", mailSenderAddress: String = "", logSubjects: Bool = true, logFileNames: Bool = true,
                    archive: Bool? = nil) {
            self.mailSenderName = mailSenderName
            self.mailSenderAddress = mailSenderAddress
            self.logSubjects = logSubjects
            self.logFileNames = logFileNames
            self.archive = archive
        }
    }

    public init(
        expirationDate: Date,
        passwordMode: PasswordMode,
        notificationMessage: NotificationMessage = NotificationMessage(),
        senderLanguage: String = "en",
        recipientLanguage: String = "en",
        sendDownloadNotifications: Bool,
        sendDownloadSummary: Bool,
        sendRecipientNotification: Bool = true,
        sendUploadSummary: Bool,
        showFileNames: Bool,
        showZipFileContent: Bool,
        fileChecksumAlgorithm: String = "SHA256",
        classificationId: String? = nil,
        confidentialMessageFileId: FileID? = nil
    ) {
        self.expirationDate = expirationDate
        self.passwordMode = passwordMode
        self.notificationMessage = notificationMessage
        self.senderLanguage = senderLanguage
        self.recipientLanguage = recipientLanguage
        self.sendDownloadNotifications = sendDownloadNotifications
        self.sendDownloadSummary = sendDownloadSummary
        self.sendRecipientNotification = sendRecipientNotification
        self.sendUploadSummary = sendUploadSummary
        self.showFileNames = showFileNames
        self.showZipFileContent = showZipFileContent
        self.fileChecksumAlgorithm = fileChecksumAlgorithm
        self.classificationId = classificationId
        self.confidentialMessageFileId = confidentialMessageFileId
    }
}
