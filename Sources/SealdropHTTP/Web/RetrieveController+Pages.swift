import Foundation

/// The page models of the recipient's pages: exactly what `retrieve-password` and `retrieve-files` show.
extension RetrieveController {
    /// `retrieve-password`: the form that unlocks a transfer.
    struct PasswordPage {
        let transferId: String
        let password: String
        let csrf: String
        /// The link carried the password (no-password mode).
        let prefilled: Bool
        let error: String?
    }

    /// `retrieve-files`: the unlocked transfer's files, its sender and, if any, the confidential message.
    struct FilesPage {
        /// A file with its download link.
        struct File { let name: String, size: String, href: String, downloaded: Bool }

        let transferId: String, trackingId: String
        let files: [File]
        let hasFiles: Bool
        let fileCount: Int
        let zipHref: String, totalSize: String, sender: String, provided: String, expires: String
        let subject: String
        let hasSubject: Bool
        /// The per-file details are open (`show_download_details` cookie; open when it is missing).
        let showDownloadDetails: Bool
        /// The confidential message, its link and `hasMessage` are present only when the transfer has one.
        var message: String?
        var hasMessage: Bool?
        var messageHref: String?
    }
}
