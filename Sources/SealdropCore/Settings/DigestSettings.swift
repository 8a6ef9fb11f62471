import Foundation

/// The daily digest of the transfer log mailed to the administrators (the product's "Notification" task).
public struct DigestSettings: Codable, Sendable, Equatable {
    /// Who gets the digest; empty: the administrators' addresses of download protection (`downloadProtection.adminEmails`).
    public var recipients: [String] = []
    /// How many of the newest transfers the digest lists besides its counts.
    public var rows: Int = 20

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DigestSettings()
        recipients = try c.decodeIfPresent([String].self, forKey: .recipients) ?? d.recipients
        rows = try c.decodeIfPresent(Int.self, forKey: .rows) ?? d.rows
    }

    /// The addresses the digest goes to under `settings`.
    public static func addresses(in settings: SealdropSettings) -> [String] {
        let own = settings.digest.recipients.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return own.isEmpty ? settings.downloadProtection.adminEmails : own
    }
}
