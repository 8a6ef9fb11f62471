/// Whether clients may forward their logs to the server, and at which level.
public struct RemoteLoggingSettings: Codable, Sendable, Equatable {
    public var enabled: Bool = false
    public var level: String = "info"

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        level = try c.decodeIfPresent(String.self, forKey: .level) ?? "info"
    }
}
