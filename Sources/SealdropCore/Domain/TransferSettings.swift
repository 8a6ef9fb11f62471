import Foundation

/// The sender's contact data printed in notifications.
public struct SenderContact: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String

    public init(name: String = "", phone: String = "") {
        self.name = name
        self.phone = phone
    }
}

/// The recipients of a transfer, as named by the sender; fixed once the session exists.
public struct RecipientList: Codable, Sendable, Equatable {
    public var to: [EmailAddress]
    public var cc: [EmailAddress]
    public var bcc: [EmailAddress]

    public init(to: [EmailAddress] = [], cc: [EmailAddress] = [], bcc: [EmailAddress] = []) {
        self.to = to
        self.cc = cc
        self.bcc = bcc
    }

    /// Every recipient with the field it was named in, in the order given.
    public var all: [(address: EmailAddress, kind: RecipientKind)] {
        to.map { ($0, .to) } + cc.map { ($0, .cc) } + bcc.map { ($0, .bcc) }
    }

    /// Whether no recipient was named.
    public var isEmpty: Bool { to.isEmpty && cc.isEmpty && bcc.isEmpty }
}

/// Subject and body of the recipient notification.
public struct NotificationMessage: Codable, Sendable, Equatable {
    public var subject: String
    public var body: String

    public init(subject: String = "", body: String = "") {
        self.subject = subject
        self.body = body
    }
}

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
