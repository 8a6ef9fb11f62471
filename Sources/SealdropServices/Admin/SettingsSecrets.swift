import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Seals the secrets inside the persisted settings with the server key, so the database file alone (a backup,
/// a copied file) does not give away the relay or directory password.
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
        if var directory = object["directory"] as? [String: Any], let password = directory["bindPassword"] as? String, !password.isEmpty {
            let sealed = try serverKey.sealSecret(Array(password.utf8), context: Self.directoryPassword)
            directory["bindPassword"] = ""
            object["directory"] = directory
            sealedValues[Self.directoryPassword] = Data(sealed).base64EncodedString()
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
        let directory = openDirectoryPassword(object, sealed: sealedValues?[Self.directoryPassword] as? String, logger: logger)
        object = directory.object
        let relay = openRelayPassword(object, sealed: sealedValues?[Self.relayPassword] as? String, logger: logger)
        return (relay.object, relay.hadPlaintext || directory.hadPlaintext)
    }

    /// The directory's bind password put back from its sealed value; `hadPlaintext` when it was stored unsealed.
    func openDirectoryPassword(_ object: [String: Any], sealed: String?, logger: Logger) -> (object: [String: Any], hadPlaintext: Bool) {
        var object = object
        guard var directory = object["directory"] as? [String: Any] else { return (object, false) }
        if let plain = directory["bindPassword"] as? String, !plain.isEmpty { return (object, true) }
        guard let sealed else { return (object, false) }
        do {
            guard let bytes = Data(base64Encoded: sealed) else { throw ServerKeyError.authenticationFailed }
            directory["bindPassword"] = String(decoding: try serverKey.openSecret(Array(bytes), context: Self.directoryPassword), as: UTF8.self)
            object["directory"] = directory
        } catch {
            logger.error("settings.secret.unreadable", metadata: ["setting": "\(Self.directoryPassword)"])
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
