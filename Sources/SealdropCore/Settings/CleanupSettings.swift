/// How often clean-up runs and when open sessions count as abandoned.
public struct CleanupSettings: Codable, Sendable, Equatable {
    public var intervalSeconds: Int = 60
    public var abandonedSessionHours: Int = 24

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        intervalSeconds = try c.decodeIfPresent(Int.self, forKey: .intervalSeconds) ?? 60
        abandonedSessionHours = try c.decodeIfPresent(Int.self, forKey: .abandonedSessionHours) ?? 24
    }
}
