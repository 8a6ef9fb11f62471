import Foundation
import SealdropCore

/// A partial update of a transfer session; nil members stay unchanged (spec §6.4).
public struct SessionPatch: Sendable {
    public var sender: SenderContact?
    public var expirationDate: Date?
    public var passwordMode: PasswordMode?
    public var password: String?
    public var notificationMessage: NotificationMessage?
    public var senderLanguage: String?
    public var recipientLanguage: String?
    public var sendDownloadNotifications: Bool?
    public var sendDownloadSummary: Bool?
    public var sendRecipientNotification: Bool?
    public var sendUploadSummary: Bool?
    public var showFileNames: Bool?
    public var showZipFileContent: Bool?
    public var fileChecksumAlgorithm: String?
    /// `.some(nil)` clears the classification.
    public var classificationId: String??
    /// `.some(nil)` clears the confidential message.
    public var confidentialMessageFileId: FileID??

    public init() {}
}

/// A session or transfer as its creator sees it, with the password when the creator's token can open it.
public struct SessionView: Sendable {
    public var transfer: TransferRecord
    public var files: [FileRecord]
    /// The password for modes GENERATED and NONE, readable only with the creating token.
    public var password: String?
}

/// A sent transfer with everything the status endpoints report (spec §7.2).
public struct TransferDetails: Sendable {
    public var transfer: TransferRecord
    public var files: [FileRecord]
    public var recipients: [RecipientRecord]
    public var downloads: [DownloadEvent]
    /// The password for links in mode NONE, only for the creating token.
    public var linkPassword: String?
    public var isCreatorToken: Bool
}

/// What a revocation asks for (spec §7.3).
public struct RevocationOptions: Sendable {
    public var notifySender: Bool
    public var notifyRecipients: Bool
    public var message: String?

    public init(notifySender: Bool = true, notifyRecipients: Bool = true, message: String? = nil) {
        self.notifySender = notifySender
        self.notifyRecipients = notifyRecipients
        self.message = message
    }
}
