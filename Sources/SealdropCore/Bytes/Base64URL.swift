import Foundation

/// Unpadded base64url (RFC 4648 §5) on top of Foundation's base64: tokens, cookie values and wrapped keys.
///
/// The only implementation in the tree; it sits in Core because SealdropCrypto, SealdropServices and
/// SealdropHTTP all use it and Core is the one module every one of them may import.
public enum Base64URL {
    /// Encodes without padding, using `-` and `_`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes unpadded base64url; nil on any invalid input (padding, `+` and `/` included).
    public static func decode(_ text: String) -> [UInt8]? {
        guard !text.contains("="), !text.contains("+"), !text.contains("/") else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = s.utf8.count % 4
        guard remainder != 1 else { return nil }
        if remainder > 0 { s += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: s).map(Array.init)
    }
}
