import Foundation
import SealdropServices

/// The model of the settings pages (`settings`, `settings-mail`, `settings-legal`): the generic form of a
/// section, plus what the mail and legal pages and a test mail add.
struct SettingsPage {
    /// A choice in a select.
    struct Option { let value: String, label: String, selected: Bool }

    /// A form field; the `is…` flag names its kind, the rest is present only where that kind uses it.
    struct Field {
        let key: String, id: String, label: String
        let pinned: Bool, restricted: Bool
        var help: String?
        var error: String?
        var isFlag: Bool?
        var checked: Bool?
        var isLines: Bool?
        var isChoice: Bool?
        var isNumber: Bool?
        var isText: Bool?
        /// A password input, always empty: the stored value is never sent to the browser.
        var isSecret: Bool?
        var isSecretText: Bool?
        var value: String?
        var options: [Option]?
    }

    /// The answer of the relay to a test mail.
    struct TestMail { let testResult: String, testOK: Bool, testTo: String }

    /// The legal texts form.
    struct Legal {
        /// A text type (`text`, `html`, `link`) in a select.
        struct TypeOption { let value: String, selected: Bool }
        /// The terms of use in one language.
        struct Text { let language: String, prefix: String, title: String, content: String, types: [TypeOption] }

        let isLegal = true
        let termsActive: Bool
        let texts: [Text]
        let imprintTitle: String, imprintContent: String
        let imprintTypes: [TypeOption]
    }

    let section: String, title: String
    let intro: String?
    let problems: [FieldProblem]
    let fields: [Field]

    var testResult: String?
    var testOK: Bool?
    var testTo: String?

    /// The mail page: the relay form's values (`mail.host` …), its choices and problems, and what is in force.
    var mail: [String: String]?
    var securityOptions: [Option]?
    var errorMailSecurity: String?
    var errorMailHost: String?
    var errorMailPort: String?
    var errorMailUsername: String?
    var errorMailPassword: String?
    var errorMailFrom: String?
    var errorTo: String?
    var hasPassword: Bool?
    var effectiveRelay: String?
    var relayPinned: Bool?
    var fromPinned: Bool?
    var configuredRelay: String?
    var configuredFrom: String?
    var effectiveFrom: String?

    var isVerification: Bool?
    /// The directory page: its "Check connection" form and the steps of the last check.
    var isDirectory: Bool?
    var directorySteps: [DirectoryCheckStep]?
    var hasDirectorySteps: Bool?
    var testAddress: String?
    var baseURL: String?
    /// The archive page: connection check, client key and queue.
    var archive: Archive?
    /// The backup page's list of backups.
    var backups: Backups?
    /// The legal page's values, looked up after the page's own.
    var legal: Legal?
}
