import Foundation
import SealdropCore

/// Evaluates the transfer policy: who may send to whom, and with which limits (spec §6.1).
///
/// Until policy rules arrive there is one default rule from the settings; a pattern is a full address,
/// a domain (`example.com` or `@example.com`) or an anchored regular expression (`^…$`).
public struct PolicyService: Sendable {
    /// The result for one sender and a set of recipients.
    public struct Evaluation: Sendable {
        public var allowed: Bool
        public var failedRecipients: [EmailAddress]
        public var settings: PolicySettings
    }

    let settings: SettingsStore

    public init(settings: SettingsStore) {
        self.settings = settings
    }

    /// Throws 403/3010 when the sender may not send at all.
    public func checkSender(_ sender: EmailAddress) throws {
        let policy = settings.current.policy
        guard Self.matches(sender, patterns: policy.senderPatterns) else { throw SealdropError.senderRejected }
    }

    /// Evaluates sender and recipients; throws 403/3010 for a rejected sender.
    public func evaluate(sender: EmailAddress, recipients: [EmailAddress]) throws -> Evaluation {
        try checkSender(sender)
        let policy = settings.current.policy
        let failed = recipients.filter { !Self.matches($0, patterns: policy.recipientPatterns) }
        return Evaluation(allowed: failed.isEmpty, failedRecipients: failed, settings: policy)
    }

    /// Whether an address matches any pattern; an empty pattern list matches everything.
    static func matches(_ address: EmailAddress, patterns: [String]) -> Bool {
        guard !patterns.isEmpty else { return true }
        return patterns.contains { pattern in
            let p = pattern.trimmingCharacters(in: .whitespaces)
            if p.hasPrefix("^") {
                guard let regex = try? Regex(p).ignoresCase() else { return false }
                return (try? regex.wholeMatch(in: address.normalized)) != nil
            }
            if p.contains("@") && !p.hasPrefix("@") { return p.lowercased() == address.normalized }
            let domain = p.hasPrefix("@") ? String(p.dropFirst()) : p
            return address.domain.lowercased() == domain.lowercased()
        }
    }
}
