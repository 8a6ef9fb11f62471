/// A command line the client sends (RFC 5321 §4.1.1, RFC 3207, RFC 4954).
///
/// `description` is safe to log: AUTH payloads are redacted.
public enum SMTPCommand: Sendable, Hashable, CustomStringConvertible {
    /// `EHLO domain`
    case ehlo(String)
    /// `HELO domain`
    case helo(String)
    /// `STARTTLS`
    case startTLS
    /// `AUTH mechanism [initial-response]`
    case auth(mechanism: String, initialResponse: String?)
    /// A base64 line answering a 334 challenge during AUTH.
    case authResponse(String)
    /// `MAIL FROM:<reverse-path> [parameters]`
    case mail(from: String, parameters: [String])
    /// `RCPT TO:<forward-path>`
    case rcpt(to: String)
    /// `DATA`
    case data
    /// `RSET`
    case reset
    /// `QUIT`
    case quit

    /// The phase whose timeout and error reporting apply to this command's reply.
    public var phase: SMTPPhase {
        switch self {
        case .ehlo: .ehlo
        case .helo: .helo
        case .startTLS: .startTLS
        case .auth, .authResponse: .auth
        case .mail: .mail
        case .rcpt: .rcpt
        case .data: .data
        case .reset, .quit: .quit
        }
    }

    /// The command as sent on the wire, without the trailing CRLF.
    public var line: String {
        switch self {
        case .ehlo(let domain): "EHLO \(domain)"
        case .helo(let domain): "HELO \(domain)"
        case .startTLS: "STARTTLS"
        case .auth(let mechanism, let initialResponse?): "AUTH \(mechanism) \(initialResponse)"
        case .auth(let mechanism, nil): "AUTH \(mechanism)"
        case .authResponse(let response): response
        case .mail(let from, let parameters): (["MAIL FROM:<\(from)>"] + parameters).joined(separator: " ")
        case .rcpt(let to): "RCPT TO:<\(to)>"
        case .data: "DATA"
        case .reset: "RSET"
        case .quit: "QUIT"
        }
    }

    /// The command's bytes including CRLF.
    public var bytes: [UInt8] { Array((self.line + "\r\n").utf8) }

    /// The command with any credential material replaced, for logs and errors.
    public var description: String {
        switch self {
        case .auth(let mechanism, .some): "AUTH \(mechanism) <redacted>"
        case .authResponse: "<redacted>"
        default: self.line
        }
    }
}
