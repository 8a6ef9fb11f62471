@preconcurrency import Crypto
import Foundation

/// The textual age v1 header: version line, stanzas, and the `---` line with its MAC.
enum AgeHeader {
    /// The header for `stanzas`, authenticated with HMAC-SHA-256 under HKDF(file key, empty salt, "header")
    /// over everything up to and including `---` (not the space after it).
    static func encode(stanzas: [AgeStanza], fileKey: [UInt8]) -> [UInt8] {
        var text = AgeFormat.versionLine + "\n"
        for stanza in stanzas { text += stanza.encoded }
        text += "---"
        let macKey = AgeFormat.derive(fileKey, salt: [], info: AgeFormat.headerLabel)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: macKey)
        text += " " + AgeFormat.base64(Array(mac)) + "\n"
        return Array(text.utf8)
    }
}
