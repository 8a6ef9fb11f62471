import Foundation

/// The page models of the upload pages and the JSON bodies of the upload page's API.
extension UploadController {
    /// `upload`: the upload form, prefilled from the link and the policy.
    struct UploadPage {
        /// A password mode the policy allows.
        struct Mode { let value: String, label: String, checked: Bool }

        let csrf: String, senderEmail: String, senderName: String
        let to: String, cc: String, bcc: String, subject: String
        let showCc: Bool, showBcc: Bool
        let ccExpanded: String, bccExpanded: String
        let maxDate: String, minDate: String, defaultDate: String
        let modes: [Mode]
        let maxTotalSize: Int64
        let showFileNames: Bool, showFileNamesChangeable: Bool, downloadNotifications: Bool, messageAllowed: Bool, subjectEditable: Bool
        /// The per-file progress details are open (`show_upload_details` cookie; open when it is missing).
        let showUploadDetails: Bool
    }

    /// `upload-done`: what was sent to whom.
    struct DonePage {
        /// A recipient.
        struct Recipient { let email: String }
        /// A file.
        struct File { let name: String, size: String }

        let trackingId: String, statusHref: String
        let recipients: [Recipient]
        let files: [File]
        let expires: String
    }

    /// `POST /upload/api/session`: the new session.
    struct SessionCreated: Encodable {
        let trackingId: String
        /// The limits the policy rules give this sender and these recipients, for the page to apply.
        let maxTotalSize: Int64
        let maxDate: String
        /// The limits in a sentence of the page's language.
        let limits: String
    }

    /// `GET /upload/api/session`: the session's files with their progress and its recipients.
    struct SessionState: Encodable {
        /// A file and how much of it arrived.
        struct File: Encodable { let fileId: String, name: String, size: Int64, received: Int64, complete: Bool }

        let trackingId: String
        let files: [File]
        let to: [String], cc: [String], bcc: [String]
    }

    /// `POST /upload/api/files`: the registered file.
    struct FileRegistered: Encodable { let fileId: String }

    /// A file's progress (`GET`/`PUT /upload/api/files/{id}`).
    struct Progress: Encodable {
        let received: Int64, size: Int64
        let complete: Bool
    }

    /// A chunk at the wrong offset: where the upload stands.
    struct OffsetConflict: Encodable {
        let received: Int64
        let error = "offset"
    }

    /// `POST /upload/api/password`: the rules the password fails.
    struct PasswordCheck: Encodable {
        /// A failed rule, in the page's language.
        struct Rule: Encodable { let name: String, text: String }

        let ok: Bool
        let failed: [Rule]
    }

    /// `GET /upload/api/password`: a generated password.
    struct GeneratedPassword: Encodable { let password: String }

    /// `POST /upload/api/send`: where the browser goes next.
    struct Sent: Encodable { let trackingId: String, done: String }

    /// An error of the upload page's API.
    struct Failure: Encodable { let error: String, message: String }
}
