/// Seals mail bodies before the outbox stores them and opens them again for delivery and preview.
///
/// A queued mail can carry a verification code, a mode-NONE link with its password or a generated password;
/// the outbox keeps it only sealed, and drops even that once the relay has it.
public protocol MailBodySealing: Sendable {
    /// The stored form of a complete RFC 5322 message.
    func seal(_ body: [UInt8]) throws -> [UInt8]
    /// The message from its stored form; a body stored before sealing existed comes back as it is.
    func open(_ stored: [UInt8]) throws -> [UInt8]
}
