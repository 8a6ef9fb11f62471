/// One password rule as the REST API shows it: `{"name": "minimumLengthRequired", "details": {"length": 8}}`.
public struct PasswordRequirement: Codable, Sendable, Equatable {
    /// A value inside `details`: the API only ever needs integers and strings.
    public enum DetailValue: Codable, Sendable, Equatable {
        case int(Int)
        case string(String)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let int = try? container.decode(Int.self) {
                self = .int(int)
            } else {
                self = .string(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .int(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            }
        }
    }

    /// The REST rule name.
    public var name: PasswordRuleName
    /// Rule parameters, e.g. `length` for the length and sequence rules; empty for plain switches.
    public var details: [String: DetailValue]

    /// Creates a requirement with the given rule name and details.
    public init(name: PasswordRuleName, details: [String: DetailValue] = [:]) {
        self.name = name
        self.details = details
    }
}
