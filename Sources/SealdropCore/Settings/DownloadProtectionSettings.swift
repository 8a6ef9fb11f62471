/// What happens after repeated wrong passwords for one recipient's transfer id.
public struct DownloadProtectionSettings: Codable, Sendable, Equatable {
    /// Lock the recipient's transfer id for a period, or delete the whole transfer.
    public enum Action: String, Codable, Sendable { case lock, delete }
    public var maxAttempts: Int = 10
    public var action: Action = .lock
    public var lockMinutes: Int = 60
    /// Addresses told about download-protection events besides the sender.
    public var adminEmails: [String] = []

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DownloadProtectionSettings()
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? d.maxAttempts
        action = try c.decodeIfPresent(Action.self, forKey: .action) ?? d.action
        lockMinutes = try c.decodeIfPresent(Int.self, forKey: .lockMinutes) ?? d.lockMinutes
        adminEmails = try c.decodeIfPresent([String].self, forKey: .adminEmails) ?? d.adminEmails
    }
}
