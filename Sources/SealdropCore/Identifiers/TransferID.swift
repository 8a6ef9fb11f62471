/// The recipient-side id of a transfer (one per recipient): 10 alphanumerics, e.g. `5yVluOW8NR`.
public struct TransferID: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    /// Allowed lengths of the raw value.
    public static let validLengths: ClosedRange<Int> = 10...10
    /// Length of ids made by `random()`.
    public static let generatedLength = 10

    public let rawValue: String

    /// Accepts only `[A-Za-z0-9]` strings of a valid length.
    public init?(rawValue: String) {
        guard AlphanumericToken.isValid(rawValue, lengths: Self.validLengths) else { return nil }
        self.rawValue = rawValue
    }

    /// A new id drawn from `rng`.
    public static func random<R: RandomNumberGenerator>(using rng: inout R) -> TransferID {
        TransferID(unchecked: AlphanumericToken.random(length: generatedLength, using: &rng))
    }

    /// A new id drawn from the system CSPRNG.
    public static func random() -> TransferID {
        var rng = SystemRandomNumberGenerator()
        return random(using: &rng)
    }

    public var description: String { rawValue }

    private init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }
}
