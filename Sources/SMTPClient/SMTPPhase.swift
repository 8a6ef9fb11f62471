/// The step of an SMTP session an error or a timeout belongs to.
public enum SMTPPhase: String, Sendable, Hashable, CustomStringConvertible {
    /// Opening the TCP connection.
    case connect
    /// The TLS handshake (implicit TLS or after STARTTLS).
    case tlsHandshake
    /// Waiting for the server's 220 greeting.
    case greeting
    /// EHLO and its capability list.
    case ehlo
    /// The HELO fallback for servers without ESMTP.
    case helo
    /// The STARTTLS command.
    case startTLS
    /// SMTP AUTH (RFC 4954).
    case auth
    /// MAIL FROM.
    case mail
    /// RCPT TO.
    case rcpt
    /// The DATA command and its 354 reply.
    case data
    /// Writing the message body.
    case dataBlock
    /// The reply to the final `.` of the message.
    case dataTermination
    /// QUIT.
    case quit

    public var description: String { self.rawValue }
}
