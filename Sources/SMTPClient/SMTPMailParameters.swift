/// Decides the MAIL FROM parameters for one message, or why it cannot be sent to this server.
///
/// - `SIZE=<octets>` whenever SIZE is announced (RFC 1870 §6); a message above the announced
///   limit is refused before MAIL, so nothing is transferred that the server will reject.
/// - `BODY=8BITMIME` when the message has octets above 127 (RFC 6152); without 8BITMIME such a
///   message is refused rather than sent in violation.
/// - `SMTPUTF8` when an envelope address or the header section is non-ASCII (RFC 6531 §3.4);
///   without SMTPUTF8 the message is refused.
enum SMTPMailParameters {
    /// Why a message cannot be sent to this server.
    struct Refusal: Error, Hashable {
        /// The error kind to report.
        var kind: SMTPError.Kind
        /// A short explanation naming the missing extension or limit.
        var message: String
    }

    /// Returns the parameters for `MAIL FROM`, or throws a ``Refusal``.
    static func make(
        envelope: SMTPEnvelope,
        message: SMTPMessageData,
        capabilities: SMTPCapabilities
    ) throws(Refusal) -> [String] {
        if message.longestLineLength > SMTPMessageData.maximumLineLength {
            throw Refusal(
                kind: .invalidMessage,
                message: "message has a line of \(message.longestLineLength) octets; at most \(SMTPMessageData.maximumLineLength) are allowed"
            )
        }
        if let limit = capabilities.sizeLimit, message.size > limit {
            throw Refusal(
                kind: .messageTooLarge,
                message: "message is \(message.size) octets; the server accepts at most \(limit) (SIZE)"
            )
        }
        let needsUTF8 = envelope.hasNonASCIIAddress || message.headerContainsNonASCII
        if needsUTF8 && !capabilities.supportsSMTPUTF8 {
            throw Refusal(
                kind: .extensionUnavailable,
                message: "message has non-ASCII addresses or headers but the server does not announce SMTPUTF8"
            )
        }
        if message.contains8BitData && !capabilities.supports8BitMIME && !needsUTF8 {
            throw Refusal(
                kind: .extensionUnavailable,
                message: "message contains 8-bit data but the server does not announce 8BITMIME"
            )
        }

        var parameters: [String] = []
        if capabilities.supportsSize { parameters.append("SIZE=\(message.size)") }
        if message.contains8BitData && capabilities.supports8BitMIME { parameters.append("BODY=8BITMIME") }
        if needsUTF8 { parameters.append("SMTPUTF8") }
        return parameters
    }
}
