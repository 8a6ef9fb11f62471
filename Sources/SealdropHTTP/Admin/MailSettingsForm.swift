import Foundation
import SealdropCore
import SealdropServices

/// The mail server page's fields (security, host, port, user name, password, sender address) and the
/// `mail.relayURL` / `mail.from` settings they stand for. The password is never shown; leaving it empty
/// keeps the stored one as long as security mode, host, port and user name stay the same.
enum MailSettingsForm {
    /// `default` (the configured `SEALDROP_SMTP_URL`), `capture`, `smtp` (STARTTLS when offered, 25),
    /// `smtp+starttls` (required, 587), `smtps` (implicit TLS, 465).
    static let securityModes = ["default", "capture", "smtp", "smtp+starttls", "smtps"]

    /// Form values for the stored settings.
    static func values(relayURL: String, from: String) -> [String: String] {
        var values = ["mail.security": "default", "mail.host": "", "mail.port": "", "mail.username": "", "mail.from": from]
        if relayURL.hasPrefix("capture:") {
            values["mail.security"] = "capture"
        } else if let url = URLComponents(string: relayURL), let scheme = url.scheme?.lowercased(), securityModes.contains(scheme) {
            values["mail.security"] = scheme
            values["mail.host"] = url.host ?? ""
            values["mail.port"] = url.port.map(String.init) ?? ""
            values["mail.username"] = url.user?.removingPercentEncoding ?? url.user ?? ""
        }
        values["hasPassword"] = URLComponents(string: relayURL)?.password.map { $0.isEmpty ? "" : "yes" } ?? ""
        return values
    }

    /// The stored relay's (percent-encoded) password if `relay` has its scheme, host, port and user; else nil.
    static func keptPassword(stored: String, for relay: URLComponents) -> String? {
        guard let old = URLComponents(string: stored), let password = old.percentEncodedPassword,
              old.scheme?.lowercased() == relay.scheme?.lowercased(), old.host?.lowercased() == relay.host?.lowercased(),
              old.port == relay.port, old.user == relay.user else { return nil }
        return password
    }

    /// The settings patch a submitted form means, with the problems next to their fields (untyped, as every
    /// settings patch: see `RuntimeSettings.apply(patch:)`).
    static func patch(_ form: [String: String], stored: String) -> (patch: [String: Any], problems: [FieldProblem]) {
        var problems: [FieldProblem] = []
        let security = form["mail.security"] ?? "default"
        let host = (form["mail.host"] ?? "").trimmingCharacters(in: .whitespaces)
        let portText = (form["mail.port"] ?? "").trimmingCharacters(in: .whitespaces)
        let user = form["mail.username"] ?? ""
        let password = form["mail.password"] ?? ""
        let from = (form["mail.from"] ?? "").trimmingCharacters(in: .whitespaces)
        var relay = ""
        switch security {
        case "default": relay = ""
        case "capture": relay = "capture:"
        case "smtp", "smtp+starttls", "smtps":
            let hostOK = !host.isEmpty && host.count <= 253 && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }
            if !hostOK { problems.append(FieldProblem("mail.host", "Enter the relay's host name or IP address.")) }
            var port: Int?
            if !portText.isEmpty {
                port = Int(portText)
                if port.map({ !(1...65535).contains($0) }) ?? true { problems.append(FieldProblem("mail.port", "Enter a port from 1 to 65535, or leave it empty for the default.")) }
            }
            if user.contains(where: \.isNewline) || user.count > 256 { problems.append(FieldProblem("mail.username", "Enter the user name on one line.")) }
            if password.contains(where: \.isNewline) || password.count > 1024 { problems.append(FieldProblem("mail.password", "Enter the password on one line.")) }
            guard problems.isEmpty else { break }
            var url = URLComponents()
            url.scheme = security
            url.host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            url.port = port
            if !user.isEmpty {
                url.percentEncodedUser = user.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed)
                // An empty password field keeps the stored one, but only for the same relay and user: the password
                // must never follow a changed relay to a server that was not meant to receive it.
                let kept = password.isEmpty ? keptPassword(stored: stored, for: url)
                    : password.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed)
                if let kept, !kept.isEmpty { url.percentEncodedPassword = kept }
            }
            relay = url.string ?? ""
        default:
            problems.append(FieldProblem("mail.security", "Choose one of the listed modes."))
        }
        if !from.isEmpty, EmailAddress(from) == nil { problems.append(FieldProblem("mail.from", "Enter an email address, or leave it empty for SEALDROP_MAIL_FROM.")) }
        return (["mail": ["relayURL": relay, "from": from]], problems)
    }
}
