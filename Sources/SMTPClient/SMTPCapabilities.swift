/// The service extensions a server announced in its EHLO reply (RFC 5321 §4.1.1.1).
///
/// ```
/// ehlo-ok-rsp  = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
///              / ( "250-" Domain [ SP ehlo-greet ] CRLF
///                 *( "250-" ehlo-line CRLF )
///                 "250" SP ehlo-line CRLF )
/// ehlo-line    = ehlo-keyword *( SP ehlo-param )
/// ```
public struct SMTPCapabilities: Sendable, Hashable {
    /// Keywords (upper-cased) mapped to their parameters.
    public var extensions: [String: [String]]

    /// Creates a capability set from keyword/parameter pairs.
    public init(extensions: [String: [String]] = [:]) {
        self.extensions = extensions
    }

    /// Parses a 250 reply to EHLO; the first line is the server's domain and greeting.
    public init(ehloReply reply: SMTPReply) {
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            guard let keyword = words.first else { continue }
            extensions[keyword.uppercased()] = Array(words.dropFirst())
        }
        self.extensions = extensions
    }

    /// What a HELO-only server supports: nothing.
    public static let none = SMTPCapabilities()

    /// Whether the keyword was announced.
    public func supports(_ keyword: String) -> Bool { self.extensions[keyword.uppercased()] != nil }

    /// STARTTLS (RFC 3207).
    public var supportsStartTLS: Bool { self.supports("STARTTLS") }
    /// 8BITMIME (RFC 6152).
    public var supports8BitMIME: Bool { self.supports("8BITMIME") }
    /// SMTPUTF8 (RFC 6531).
    public var supportsSMTPUTF8: Bool { self.supports("SMTPUTF8") }
    /// SIZE (RFC 1870) was announced, with or without a limit.
    public var supportsSize: Bool { self.supports("SIZE") }

    /// The SIZE limit in octets; `nil` when absent or `0` (no fixed limit).
    public var sizeLimit: Int? {
        guard let value = self.extensions["SIZE"]?.first, let limit = Int(value), limit > 0 else { return nil }
        return limit
    }

    /// AUTH mechanisms (RFC 4954), upper-cased, in the server's order.
    public var authMechanisms: [String] {
        (self.extensions["AUTH"] ?? []).map { $0.uppercased() }
    }
}
