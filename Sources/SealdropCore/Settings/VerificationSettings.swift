/// Sender verification: validity terms, codes, rate limits and registered client ids.
public struct VerificationSettings: Codable, Sendable, Equatable {
    /// Maximum validity from the moment of verification, in days; 0 switches it off.
    public var maxValidityDays: Int = 30
    /// Idle validity, restarted by every use, in days; 0 switches it off.
    public var idleValidityDays: Int = 30
    public var codeValidityMinutes: Int = 15
    public var maxCodeAttempts: Int = 5
    /// Codes one address may request per rolling 10 minutes before 429/2007.
    public var maxCodeRequestsPer10Minutes: Int = 5
    /// Codes one client id may request per rolling 10 minutes, whatever the addresses.
    public var maxCodeRequestsPerClientPer10Minutes: Int = 10
    /// Codes one source (an IPv4 address, an IPv6 /64) may request per rolling 10 minutes, whatever the
    /// client ids; several people behind one NAT share it.
    public var maxCodeRequestsPerSourcePer10Minutes: Int = 30
    /// Code mails the whole server sends per rolling minute and per rolling hour: the budget a flood of
    /// many sources can take, so notifications keep the relay.
    public var maxCodeMailsPerMinute: Int = 60
    public var maxCodeMailsPerHour: Int = 600
    public var emailVerificationEnabled: Bool = true
    /// Client ids allowed to verify without a code (client-id verification), with a description.
    public var registeredClientIds: [String: String] = [:]

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = VerificationSettings()
        maxValidityDays = try c.decodeIfPresent(Int.self, forKey: .maxValidityDays) ?? d.maxValidityDays
        idleValidityDays = try c.decodeIfPresent(Int.self, forKey: .idleValidityDays) ?? d.idleValidityDays
        codeValidityMinutes = try c.decodeIfPresent(Int.self, forKey: .codeValidityMinutes) ?? d.codeValidityMinutes
        maxCodeAttempts = try c.decodeIfPresent(Int.self, forKey: .maxCodeAttempts) ?? d.maxCodeAttempts
        maxCodeRequestsPer10Minutes = try c.decodeIfPresent(Int.self, forKey: .maxCodeRequestsPer10Minutes) ?? d.maxCodeRequestsPer10Minutes
        maxCodeRequestsPerClientPer10Minutes = try c.decodeIfPresent(Int.self, forKey: .maxCodeRequestsPerClientPer10Minutes)
            ?? d.maxCodeRequestsPerClientPer10Minutes
        maxCodeRequestsPerSourcePer10Minutes = try c.decodeIfPresent(Int.self, forKey: .maxCodeRequestsPerSourcePer10Minutes)
            ?? d.maxCodeRequestsPerSourcePer10Minutes
        maxCodeMailsPerMinute = try c.decodeIfPresent(Int.self, forKey: .maxCodeMailsPerMinute) ?? d.maxCodeMailsPerMinute
        maxCodeMailsPerHour = try c.decodeIfPresent(Int.self, forKey: .maxCodeMailsPerHour) ?? d.maxCodeMailsPerHour
        emailVerificationEnabled = try c.decodeIfPresent(Bool.self, forKey: .emailVerificationEnabled) ?? d.emailVerificationEnabled
        registeredClientIds = try c.decodeIfPresent([String: String].self, forKey: .registeredClientIds) ?? d.registeredClientIds
    }
}
