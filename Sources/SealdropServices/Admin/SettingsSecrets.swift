import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Seals the secrets inside the persisted settings with the server key, so the database file alone (a backup,
/// a copied file) does not give away the relay, directory or archive credentials.
///
/// In the stored JSON the relay URL keeps everything but its password, and `directory.bindPassword` is empty; the
/// passwords, sealed with `ServerKey.sealSecret` under the contexts `mail.relay.password` and
/// `directory.bind.password`, sit in `sealedSecrets` beside the settings. In memory the settings stay as they are
/// (the SMTP and LDAP clients need the passwords).
struct SettingsSecrets: Sendable {
    /// The member of the stored JSON that holds the sealed values, by context.
    static let member = "sealedSecrets"
    /// The context of the relay password (the setting it belongs to).
    static let relayPassword = "mail.relay.password"
    /// The context of the directory's bind password.
    static let directoryPassword = "directory.bind.password"

    /// A secret string member of a settings section, sealed under its own context.
    struct Field: Sendable {
        let section: String
        let member: String
        let context: String
    }

    /// Every secret member besides the relay password (which sits inside its URL).
    static let fields = [
        Field(section: "directory", member: "bindPassword", context: directoryPassword),
        Field(section: "archive", member: "password", context: "archive.password"),
        Field(section: "archive", member: "privateKey", context: "archive.private-key"),
        Field(section: "archive", member: "privateKeyPassphrase", context: "archive.private-key.passphrase"),
    ]

    let serverKey: ServerKey

    /// The JSON text to store for the settings `object`: the relay password moved out of the URL and sealed.
    func sealedText(_ object: [String: Any]) throws -> String {
        var object = object
        object.removeValue(forKey: Self.member)
        var sealedValues: [String: String] = [:]
        if var mail = object["mail"] as? [String: Any], let relay = mail["relayURL"] as? String,
           let parts = Self.split(relay) {
            let sealed = try serverKey.sealSecret(Array(parts.password.utf8), context: Self.relayPassword)
            mail["relayURL"] = parts.stripped
            object["mail"] = mail
            sealedValues[Self.relayPassword] = Data(sealed).base64EncodedString()
        }
        for field in Self.fields {
            guard var section = object[field.section] as? [String: Any], let value = section[field.member] as? String, !value.isEmpty else { continue }
            let sealed = try serverKey.sealSecret(Array(value.utf8), context: field.context)
            section[field.member] = ""
            object[field.section] = section
            sealedValues[field.context] = Data(sealed).base64EncodedString()
        }
        if !sealedValues.isEmpty { object[Self.member] = sealedValues }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The stored `object` with its secrets opened again; `hadPlaintext` when the relay URL still carried its
    /// password in plaintext (stored by an older version), so the caller stores it again, sealed. A sealed value
    /// that does not open (another server key) is dropped with an error in the log: the relay then goes without it.
    func open(_ object: [String: Any], logger: Logger) -> (object: [String: Any], hadPlaintext: Bool) {
        var object = object
        let sealedValues = object.removeValue(forKey: Self.member) as? [String: Any]
        var hadPlaintext = false
        for field in Self.fields {
            let opened = openField(field, object, sealed: sealedValues?[field.context] as? String, logger: logger)
            object = opened.object
            hadPlaintext = hadPlaintext || opened.hadPlaintext
        }
        let relay = openRelayPassword(object, sealed: sealedValues?[Self.relayPassword] as? String, logger: logger)
        return (relay.object, relay.hadPlaintext || hadPlaintext)
    }

    /// A secret settings member put back from its sealed value; `hadPlaintext` when it was stored unsealed.
    func openField(_ field: Field, _ object: [String: Any], sealed: String?, logger: Logger) -> (object: [String: Any], hadPlaintext: Bool) {
        var object = object
        guard var section = object[field.section] as? [String: Any] else { return (object, false) }
        if let plain = section[field.member] as? String, !plain.isEmpty { return (object, true) }
        guard let sealed else { return (object, false) }
        do {
            guard let bytes = Data(base64Encoded: sealed) else { throw ServerKeyError.authenticationFailed }
            section[field.member] = String(decoding: try serverKey.openSecret(Array(bytes), context: field.context), as: UTF8.self)
            object[field.section] = section
        } catch {
            logger.error("settings.secret.unreadable", metadata: ["setting": "\(field.context)"])
        }
        return (object, false)
    }

    /// The relay URL with its password put back from its sealed value; `hadPlaintext` when the URL still carried it.
    func openRelayPassword(_ object: [String: Any], sealed: String?, logger: Logger) -> (object: [String: Any], hadPlaintext: Bool) {
        var object = object
        guard var mail = object["mail"] as? [String: Any], let relay = mail["relayURL"] as? String, !relay.isEmpty else {
            return (object, false)
        }
        if Self.split(relay) != nil { return (object, true) }
        guard let sealed else { return (object, false) }
        do {
            guard let bytes = Data(base64Encoded: sealed) else { throw ServerKeyError.authenticationFailed }
            let password = String(decoding: try serverKey.openSecret(Array(bytes), context: Self.relayPassword), as: UTF8.self)
            var url = URLComponents(string: relay)
            url?.percentEncodedPassword = password
            mail["relayURL"] = url?.string ?? relay
            object["mail"] = mail
        } catch {
            logger.error("settings.secret.unreadable", metadata: ["setting": "\(Self.relayPassword)"])
        }
        return (object, false)
    }

    /// A relay URL without its password, and the password as it appears in the URL (percent-encoded);
    /// nil when the URL carries no password.
    static func split(_ relay: String) -> (stripped: String, password: String)? {
        guard !relay.hasPrefix("capture:"), var url = URLComponents(string: relay), let password = url.percentEncodedPassword,
              !password.isEmpty else { return nil }
        url.percentEncodedPassword = nil
        guard let stripped = url.string else { return nil }
        return (stripped, password)
    }
}
