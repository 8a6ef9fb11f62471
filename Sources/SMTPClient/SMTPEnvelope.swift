/// The SMTP envelope: who the message is from and whom it is delivered to.
///
/// Addresses are bare mailboxes (`user@example.org`), without angle brackets. An empty sender
/// is the null reverse-path `<>` used for bounces.
public struct SMTPEnvelope: Sendable, Hashable {
    /// The reverse-path for MAIL FROM.
    public var from: String
    /// The forward-paths, one RCPT TO each, in this order.
    public var to: [String]

    /// Creates an envelope.
    public init(from: String, to: [String]) {
        self.from = from
        self.to = to
    }

    /// Whether any address needs SMTPUTF8 (non-ASCII characters).
    var hasNonASCIIAddress: Bool {
        ([self.from] + self.to).contains { address in address.utf8.contains { $0 >= 0x80 } }
    }
}

extension SMTPEnvelope {
    /// Why the envelope cannot be sent, or `nil` when it is fine.
    ///
    /// Addresses must not contain spaces, control characters or angle brackets: they are pasted
    /// into command lines, and a CR or LF would let one address inject further commands.
    var validationProblem: String? {
        if self.to.isEmpty { return "the envelope has no recipients" }
        for address in [self.from] + self.to where !Self.isSafe(address) {
            return "an envelope address contains spaces, control characters or angle brackets"
        }
        for address in self.to where address.isEmpty {
            return "an envelope recipient is empty"
        }
        return nil
    }

    /// Whether `address` can be placed between `<` and `>` on a command line.
    private static func isSafe(_ address: String) -> Bool {
        !address.utf8.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
    }
}
