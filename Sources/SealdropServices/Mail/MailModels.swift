import Foundation
import SealdropCore

/// The models the mail templates render: the values every mail has, the transfer's values, and one small
/// model per kind of mail with what only that kind shows. Operators' override templates see the same names.
enum MailModels {
    /// Values every template may use.
    struct Common {
        let productName: String
        let baseURL: String
        let language: String
        /// Colours of the mail layout, `#rrggbb` (checked when saved).
        let accentColor: String, backgroundColor: String, textColor: String
        let hasLogo: Bool
        let logoURL: String
        let hasImprint: Bool
        let imprintURL: String, imprintLabel: String
        let termsActive: Bool
        let termsURL: String
    }

    /// The verification code mail.
    struct VerificationCode { let code: String, validMinutes: Int, email: String }

    /// Values about a transfer: sender, subject, message, files, expiry.
    struct Transfer {
        /// A file as the mail lists it; a ZIP's entry names only when the transfer shows file names and ZIP content.
        struct File {
            let name: String, size: String
            let zipEntries: [String]
            let hasZipEntries: Bool
            /// Entries beyond `zipEntries` ("and N more"), shown when `hasMoreZipEntries`.
            let moreZipEntries: Int
            let hasMoreZipEntries: Bool
        }

        let trackingId: String, senderEmail: String, senderName: String
        let hasSenderName: Bool
        let senderPhone: String
        let hasSenderPhone: Bool
        let senderDisplay: String
        let confidential: Bool
        let customSubject: String
        let hasCustomSubject: Bool
        let hasMessage: Bool
        let message: String, messageHTML: String
        let showFileNames: Bool
        let files: [File]
        let hasFiles: Bool
        let fileCount: Int
        let totalSize: String, expires: String
    }

    /// A recipient and the address field it was named in.
    struct Recipient { let email: String, kind: String }

    /// The notification to one recipient.
    struct RecipientNotification {
        let recipientEmail: String, transferId: String, downloadURL: String
        let passwordInLink: Bool
        /// `mailto:` the sender.
        let replyURL: String
        /// Whom the transfer went to, as the mail names them (To and Cc; Bcc never).
        let recipients: [Recipient]
        let hasRecipients: Bool
    }

    /// The sender's confirmation after provision.
    struct UploadSummary {
        let recipients: [Recipient]
        let recipientCount: Int
        let statusURL: String
        let recipientsNotified: Bool, hasPassword: Bool
        let password: String, passwordMode: String
    }

    /// The copy for the sender's "Sent" folder.
    struct SentCopy { let recipients: [Recipient] }

    /// A recipient downloaded a file.
    struct DownloadNotification { let recipientEmail: String, hasFileName: Bool, fileName: String, downloadedAt: String, statusURL: String }

    /// The summary when the transfer expires.
    struct DownloadSummary {
        /// A recipient and how often it downloaded.
        struct Recipient { let email: String, downloads: Int, downloaded: Bool }

        let recipients: [Recipient]
        let expiredAt: String
    }

    /// A transfer was revoked.
    struct Revocation { let toSender: Bool, hasRevocationMessage: Bool, revocationMessage: String, revocationMessageHTML: String }

    /// Download protection locked a recipient or deleted the transfer.
    struct DownloadProtection {
        let recipientEmail: String, transferId: String
        let deleted: Bool
        let lockMinutes: Int
        let toAdministrator: Bool
        let occurredAt: String
    }

    /// The update check found a newer release (to the administrators; not about a transfer).
    struct UpdateAvailable {
        let version: String, runningVersion: String
        let severity: String
        let isSecurity: Bool
        let released: String
        let notesURL: String
    }
}
