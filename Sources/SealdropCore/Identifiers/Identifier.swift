/// The shape of one kind of alphanumeric identifier: which lengths are valid and how long new ones are.
///
/// Tags are caseless enums; they exist only as the type parameter of ``Identifier``, so a `FileID` can never be
/// passed where a `TransferID` is expected although both are ten alphanumerics.
public protocol IdentifierTag: Sendable {
    /// Allowed lengths of the raw value.
    static var validLengths: ClosedRange<Int> { get }
    /// Length of ids made by `random()`.
    static var generatedLength: Int { get }
}

/// A Cryptshare identifier made of `[A-Za-z0-9]`, validated on construction; `Tag` says which kind it is.
public struct Identifier<Tag: IdentifierTag>: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    /// Allowed lengths of the raw value.
    public static var validLengths: ClosedRange<Int> { Tag.validLengths }
    /// Length of ids made by `random()`.
    public static var generatedLength: Int { Tag.generatedLength }

    public let rawValue: String

    /// Accepts only `[A-Za-z0-9]` strings of a valid length.
    public init?(rawValue: String) {
        guard AlphanumericToken.isValid(rawValue, lengths: Self.validLengths) else { return nil }
        self.rawValue = rawValue
    }

    /// A new id drawn from `rng`.
    public static func random<R: RandomNumberGenerator>(using rng: inout R) -> Identifier {
        Identifier(unchecked: AlphanumericToken.random(length: generatedLength, using: &rng))
    }

    /// A new id drawn from the system CSPRNG.
    public static func random() -> Identifier {
        var rng = SystemRandomNumberGenerator()
        return random(using: &rng)
    }

    public var description: String { rawValue }

    private init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }
}

/// The tag of ``ClientID``.
public enum ClientIDTag: IdentifierTag {
    public static let validLengths: ClosedRange<Int> = 50...4000
    public static let generatedLength = 64
}

/// The tag of ``FileID``.
public enum FileIDTag: IdentifierTag {
    public static let validLengths: ClosedRange<Int> = 10...10
    public static let generatedLength = 10
}

/// The tag of ``TransferID``.
public enum TransferIDTag: IdentifierTag {
    public static let validLengths: ClosedRange<Int> = 10...10
    public static let generatedLength = 10
}

/// The REST client installation id sent in `X-CS-ClientId`: 50–4000 alphanumerics (random ones have 64).
public typealias ClientID = Identifier<ClientIDTag>

/// The id of one file in a transfer session or transfer: 10 alphanumerics, e.g. `a58dFp1Tr7`.
public typealias FileID = Identifier<FileIDTag>

/// The recipient-side id of a transfer (one per recipient): 10 alphanumerics, e.g. `5yVluOW8NR`.
public typealias TransferID = Identifier<TransferIDTag>
