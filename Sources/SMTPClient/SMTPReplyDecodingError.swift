/// A reply that does not follow RFC 5321 §4.2; the façade turns it into a protocol violation.
public struct SMTPReplyDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the bytes.
    public var reason: String
    public var description: String { "malformed SMTP reply: \(self.reason)" }
}
