/// What happened to one message: which recipients the server accepted and which it refused.
///
/// The message was delivered (queued by the server) to every accepted recipient. Rejected
/// recipients carry the server's reply, so callers can tell 4xx (retry later) from 5xx.
public struct SMTPDeliveryResult: Sendable, Hashable {
    /// One recipient and the server's reply to its RCPT TO.
    public struct Recipient: Sendable, Hashable {
        /// The address as given in the envelope.
        public var address: String
        /// The server's reply to `RCPT TO`.
        public var reply: SMTPReply

        /// Creates a recipient outcome.
        public init(address: String, reply: SMTPReply) {
            self.address = address
            self.reply = reply
        }

        /// Whether the failure is permanent (5xx); only meaningful for rejected recipients.
        public var isPermanentFailure: Bool { self.reply.isPermanentNegative }
    }

    /// Recipients the server accepted, in envelope order.
    public var accepted: [Recipient]
    /// Recipients the server refused, in envelope order.
    public var rejected: [Recipient]
    /// The server's reply to the end of DATA (usually `250 … queued as …`).
    public var dataReply: SMTPReply

    /// Creates a result.
    public init(accepted: [Recipient], rejected: [Recipient], dataReply: SMTPReply) {
        self.accepted = accepted
        self.rejected = rejected
        self.dataReply = dataReply
    }
}
