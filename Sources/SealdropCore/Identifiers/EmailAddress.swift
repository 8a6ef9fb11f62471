/// A practical, validated email address (`local@domain`); equality and hashing ignore case.
///
/// Accepted: a dot-atom local part (RFC 5322 `atext` plus UTF-8 letters and digits, RFC 6531)
/// of at most 64 bytes, a domain of dot-separated labels (letters incl. IDN letters, digits,
/// inner hyphens; 1–63 characters each), at most 254 bytes in total. Rejected: quoted local
/// parts, domain literals, whitespace, control characters and `<>,;"` anywhere.
public struct EmailAddress: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The address as given, with the domain lower-cased.
    public let address: String
    /// The part before `@`, case preserved.
    public let localPart: String
    /// The part after `@`, lower-cased.
    public let domain: String
    /// The whole address lower-cased; the identity used for `==` and hashing.
    public let normalized: String

    /// Characters allowed in a local part besides letters and digits (RFC 5322 `atext` and `.`).
    private static let localSpecials: Set<Character> = Set("!#$%&'*+-/=?^_`{|}~.")

    /// Validates `string`; `nil` when it is not a practical email address.
    public init?(_ string: String) {
        guard (1...254).contains(string.utf8.count) else { return nil }
        let parts = string.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let local = String(parts[0])
        let domain = String(parts[1]).lowercased()
        guard Self.isValidLocalPart(local), Self.isValidDomain(domain) else { return nil }
        self.localPart = local
        self.domain = domain
        self.address = local + "@" + domain
        self.normalized = address.lowercased()
    }

    /// Decodes a JSON string and validates it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let address = EmailAddress(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a valid email address")
        }
        self = address
    }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(address)
    }

    public static func == (lhs: EmailAddress, rhs: EmailAddress) -> Bool {
        lhs.normalized == rhs.normalized
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(normalized)
    }

    public var description: String { address }

    private static func isValidLocalPart(_ local: String) -> Bool {
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."),
              !local.contains("..")
        else { return false }
        return local.unicodeScalars.allSatisfy { scalar in
            if scalar.isASCII {
                return isASCIILetterOrDigit(scalar) || localSpecials.contains(Character(scalar))
            }
            return isNonASCIILetterOrDigit(scalar)
        }
    }

    private static func isValidDomain(_ domain: String) -> Bool {
        guard !domain.isEmpty, domain.utf8.count <= 253 else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard (1...63).contains(label.count), !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            return label.unicodeScalars.allSatisfy { scalar in
                if scalar.isASCII { return isASCIILetterOrDigit(scalar) || scalar == "-" }
                return isNonASCIILetterOrDigit(scalar)
            }
        }
    }

    private static func isASCIILetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// Non-ASCII letters, combining marks and digits (IDN / RFC 6531); excludes spaces, controls, symbols.
    private static func isNonASCIILetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .decimalNumber:
            true
        default:
            false
        }
    }
}
