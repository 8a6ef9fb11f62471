/// How long personal data of ended transfers and sent mail is kept (`docs/retention.md`).
///
/// The retention task purges them once a day; statistics counts are kept (frozen per month before a purge).
public struct RetentionSettings: Codable, Sendable, Equatable {
    /// Days after a transfer ended (expired, revoked, deleted, failed) before its log row, recipients, file names,
    /// downloads, mails and audit details are purged; 0 keeps them forever.
    public var endedTransferDays: Int = 90
    /// Days after which sent and failed outbox messages (addresses, subjects, any kept body) are deleted; 0 keeps them.
    public var outboxDays: Int = 30

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RetentionSettings()
        endedTransferDays = try c.decodeIfPresent(Int.self, forKey: .endedTransferDays) ?? d.endedTransferDays
        outboxDays = try c.decodeIfPresent(Int.self, forKey: .outboxDays) ?? d.outboxDays
    }
}
