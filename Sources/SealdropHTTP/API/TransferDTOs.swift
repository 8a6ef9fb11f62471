import Foundation
import SealdropCore
import SealdropServices

/// JSON shapes shared by the session and transfer endpoints (spec §6.3, §7.2).
enum TransferDTO {
    /// `{ "mail": … }`.
    struct Mail: Codable, Sendable {
        var mail: String
    }

    /// Recipients by field.
    struct Recipients: Codable, Sendable {
        var to: [Mail]?
        var cc: [Mail]?
        var bcc: [Mail]?
    }

    /// The security mode member.
    struct SecurityMode: Codable, Sendable {
        var name: String
        var config: Config?

        /// The ONE_TIME_PASSWORD configuration.
        struct Config: Codable, Sendable {
            var passwordMode: String?
            var password: String?

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(passwordMode, forKey: .passwordMode)
                try c.encode(password, forKey: .password)
            }

            enum CodingKeys: String, CodingKey { case passwordMode, password }
        }
    }

    /// One file of a session.
    struct SessionFile: Encodable, Sendable {
        var id: String
        var fileName: String
        var size: Int64
        var checksum: String?
        var href: String
        var state: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(fileName, forKey: .fileName)
            try c.encode(size, forKey: .size)
            try c.encode(checksum, forKey: .checksum)
            try c.encode(href, forKey: .href)
            try c.encode(state, forKey: .state)
        }

        enum CodingKeys: String, CodingKey { case id, fileName, size, checksum, href, state }
    }

    /// A transfer session with every member present.
    struct Session: Encodable, Sendable {
        var sender: SenderContact
        var recipients: Recipients
        var expirationDate: Date
        var securityMode: SecurityMode
        var notificationMessage: NotificationMessage
        var senderLanguage: String
        var recipientLanguage: String
        var sendDownloadNotifications: Bool
        var sendDownloadSummary: Bool
        var sendRecipientNotification: Bool
        var sendUploadSummary: Bool
        var showFileNames: Bool
        var showZipFileContent: Bool
        var fileChecksumAlgorithm: String
        var classificationId: String?
        var confidentialMessageFileId: String?
        var files: [SessionFile]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(sender, forKey: .sender)
            try c.encode(recipients, forKey: .recipients)
            try c.encode(expirationDate, forKey: .expirationDate)
            try c.encode(securityMode, forKey: .securityMode)
            try c.encode(notificationMessage, forKey: .notificationMessage)
            try c.encode(senderLanguage, forKey: .senderLanguage)
            try c.encode(recipientLanguage, forKey: .recipientLanguage)
            try c.encode(sendDownloadNotifications, forKey: .sendDownloadNotifications)
            try c.encode(sendDownloadSummary, forKey: .sendDownloadSummary)
            try c.encode(sendRecipientNotification, forKey: .sendRecipientNotification)
            try c.encode(sendUploadSummary, forKey: .sendUploadSummary)
            try c.encode(showFileNames, forKey: .showFileNames)
            try c.encode(showZipFileContent, forKey: .showZipFileContent)
            try c.encode(fileChecksumAlgorithm, forKey: .fileChecksumAlgorithm)
            try c.encode(classificationId, forKey: .classificationId)
            try c.encode(confidentialMessageFileId, forKey: .confidentialMessageFileId)
            try c.encode(files, forKey: .files)
        }

        enum CodingKeys: String, CodingKey {
            case sender, recipients, expirationDate, securityMode, notificationMessage, senderLanguage, recipientLanguage
            case sendDownloadNotifications, sendDownloadSummary, sendRecipientNotification, sendUploadSummary
            case showFileNames, showZipFileContent, fileChecksumAlgorithm, classificationId, confidentialMessageFileId, files
        }
    }

    static func recipients(_ list: RecipientList) -> Recipients {
        Recipients(to: list.to.map { Mail(mail: $0.address) }, cc: list.cc.map { Mail(mail: $0.address) }, bcc: list.bcc.map { Mail(mail: $0.address) })
    }

    static func session(_ t: TransferRecord, files: [FileRecord], password: String?, basePath: String) -> Session {
        Session(
            sender: t.sender, recipients: recipients(t.recipients), expirationDate: t.settings.expirationDate,
            securityMode: SecurityMode(name: "ONE_TIME_PASSWORD", config: .init(passwordMode: t.settings.passwordMode.rawValue, password: password)),
            notificationMessage: t.settings.notificationMessage, senderLanguage: t.settings.senderLanguage,
            recipientLanguage: t.settings.recipientLanguage, sendDownloadNotifications: t.settings.sendDownloadNotifications,
            sendDownloadSummary: t.settings.sendDownloadSummary, sendRecipientNotification: t.settings.sendRecipientNotification,
            sendUploadSummary: t.settings.sendUploadSummary, showFileNames: t.settings.showFileNames,
            showZipFileContent: t.settings.showZipFileContent, fileChecksumAlgorithm: t.settings.fileChecksumAlgorithm,
            classificationId: t.settings.classificationId, confidentialMessageFileId: t.settings.confidentialMessageFileId?.rawValue,
            files: files.map {
                SessionFile(id: $0.fileId.rawValue, fileName: $0.fileName, size: $0.size, checksum: $0.checksum ?? $0.declaredChecksum,
                            href: "\(basePath)/files/\($0.fileId.rawValue)", state: $0.state.rawValue)
            }
        )
    }

    /// A download of one file.
    struct Download: Encodable, Sendable {
        var downloadDate: Date
        var retrievalMethod: String
    }

    /// Downloads of one file by one recipient.
    struct FileDownloads: Encodable, Sendable {
        var id: String
        var downloads: [Download]
    }

    /// One recipient's status.
    struct RecipientStatus: Encodable, Sendable {
        var mail: String
        var id: String
        var downloadUrl: String?
        var notificationFailed: Bool
        var fileDownloads: [FileDownloads]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mail, forKey: .mail)
            try c.encode(id, forKey: .id)
            try c.encode(downloadUrl, forKey: .downloadUrl)
            try c.encode(notificationFailed, forKey: .notificationFailed)
            try c.encode(fileDownloads, forKey: .fileDownloads)
        }

        enum CodingKeys: String, CodingKey { case mail, id, downloadUrl, notificationFailed, fileDownloads }
    }

    /// Per-file processing result.
    struct FileStatus: Encodable, Sendable {
        var id: String
        var removed: Bool
        var removalCause: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(removed, forKey: .removed)
            try c.encode(removalCause, forKey: .removalCause)
        }

        enum CodingKeys: String, CodingKey { case id, removed, removalCause }
    }

    /// The sender member of a status.
    struct SenderStatus: Encodable, Sendable {
        var email: String
        var notificationFailed: Bool
    }

    /// The status of a transfer.
    struct Status: Encodable, Sendable {
        var state: String
        var warnings: Bool
        var emlCreationFailed: Bool
        var sender: SenderStatus
        var files: [FileStatus]
        var recipients: [RecipientStatus]
    }

    /// `{ transfer, status }` of spec §7.2.
    struct Details: Encodable, Sendable {
        var transfer: Session
        var status: Status
    }

    static func details(_ d: TransferDetails, notifications: Notifications, basePath: String) -> Details {
        let removalCause: String? = d.transfer.state.isDeleted ? d.transfer.state.rawValue : nil
        let status = Status(
            state: d.transfer.state.rawValue, warnings: false, emlCreationFailed: false,
            sender: SenderStatus(email: d.transfer.senderEmail.address, notificationFailed: d.transfer.senderNotificationFailed),
            files: d.files.map { FileStatus(id: $0.fileId.rawValue, removed: $0.state == .removed, removalCause: $0.state == .removed ? removalCause : nil) },
            recipients: d.recipients.map { r in
                let url: String?
                if d.transfer.state != .active {
                    url = nil
                } else if d.transfer.settings.passwordMode == .none {
                    url = d.linkPassword.map { notifications.downloadURL(transferId: r.transferId, password: $0) }
                } else {
                    url = notifications.downloadURL(transferId: r.transferId, password: nil)
                }
                let events = d.downloads.filter { $0.transferId == r.transferId }
                let byFile = Dictionary(grouping: events, by: \.fileId)
                return RecipientStatus(
                    mail: r.email.address, id: r.transferId.rawValue, downloadUrl: url, notificationFailed: r.notificationFailed,
                    fileDownloads: d.files.map { f in
                        FileDownloads(id: f.fileId.rawValue, downloads: (byFile[f.fileId] ?? []).map { Download(downloadDate: $0.date, retrievalMethod: $0.method.rawValue) })
                    }
                )
            }
        )
        return Details(transfer: session(d.transfer, files: d.files, password: nil, basePath: basePath), status: status)
    }
}
