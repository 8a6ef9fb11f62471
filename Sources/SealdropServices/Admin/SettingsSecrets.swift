import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Seals the secrets inside the persisted settings with the server key, so the database file alone (a backup,
/// a copied file) does not give away the relay password.
///
/// In the stored JSON the relay URL keeps everything but its password; the password, sealed with
/// `ServerKey.sealSecret` under the context `mail.relay.password`, sits in `sealedSecrets` beside the settings.
/// In memory the settings stay as they are (the SMTP client needs the password).
struct SettingsSecrets: Sendable {
    /// The member of the stored JSON that holds the sealed values, by context.
    static let member = "sealedSecrets"
    /// The context of the relay password (the setting it belongs to).
    static let relayPassword = "mail.relay.password"

    let serverKey: ServerKey

    /// The JSON text to store for the settings `object`: the relay password moved out of the URL and sealed.
    func sealedText(_ object: [String: Any]) throws -> String {
        var object = object
        object.removeValue(forKey: Self.member)
        if var mail = object["mail"] as? [String: Any], let relay = mail["relayURL"] as? String,
           let parts = Self.split(relay) {
            let sealed = try serverKey.sealSecret(Array(parts.password.utf8), context: Self.relayPassword)
            mail["relayURL"] = parts.stripped
            object["mail"] = mail
            object[Self.member] = [Self.relayPassword: Data(sealed).base64EncodedString()]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The stored `object` with its secrets opened again; `hadPlaintext` when the relay URL still carried its
    /// password in plaintext (stored by an older version), so the caller stores it again, sealed. A sealed value
    /// that does not open (another server key) is dropped with an error in the log: the relay then goes without it.
    func open(_ object: [String: Any], logger: Logger) -> (object: [String: Any], hadPlaintext: Bool) {
        var object = object
        let sealed = (object.removeValue(forKey: Self.member) as? [String: Any])?[Self.relayPassword] as? String
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
