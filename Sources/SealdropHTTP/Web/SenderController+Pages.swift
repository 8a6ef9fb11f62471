import Foundation

/// The page models of the sender's pages: identities, the code form, the status page and legal texts.
extension SenderController {
    /// `sender-identities`: the browser's verified identities and the form to add one, with what a failed
    /// attempt brings back.
    struct IdentitiesPage {
        /// A verified identity held in the browser's cookies.
        struct Identity { let index: Int, email: String, name: String, phone: String, active: Bool }

        let csrf: String, next: String
        let hasIdentities: Bool, needsTerms: Bool
        let identities: [Identity]
        /// What a refused form shows again.
        var termsError: String?
        var error: String?
        var email: String?
        var name: String?
        var phone: String?
    }

    /// What a refused identities form adds to `IdentitiesPage`.
    struct IdentityProblem {
        var termsError: String?
        var error: String?
        var email: String?
        var name: String?
        var phone: String?
    }

    /// `sender-code`: the form for the mailed code.
    struct CodePage {
        let csrf: String, email: String, name: String, phone: String, next: String
        let error: String?
    }

    /// `sender-status`: a sent transfer with its recipients' downloads, and revocation.
    struct StatusPage {
        /// A recipient and what it downloaded.
        struct Recipient { let email: String, kind: String, downloaded: Bool, files: String, count: Int, failed: Bool }
        /// A file of the transfer.
        struct File { let name: String, size: String }

        let trackingId: String
        let recipients: [Recipient]
        let active: Bool
        let csrf: String, state: String, expires: String
        let files: [File]
        let notice: String?
    }

    /// `terms`: the operator's terms of use or imprint (its own HTML).
    struct LegalPage { let title: String, html: String }
}
