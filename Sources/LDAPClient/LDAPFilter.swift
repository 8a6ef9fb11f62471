/// A search filter (RFC 4511 §4.5.1.7), built from values rather than from text, so user input can never
/// change its structure.
///
/// ```
/// Filter ::= CHOICE {
///      and             [0] SET SIZE (1..MAX) OF filter Filter,
///      or              [1] SET SIZE (1..MAX) OF filter Filter,
///      not             [2] Filter,
///      equalityMatch   [3] AttributeValueAssertion,
///      substrings      [4] SubstringFilter,
///      greaterOrEqual  [5] AttributeValueAssertion,
///      lessOrEqual     [6] AttributeValueAssertion,
///      present         [7] AttributeDescription,
///      approxMatch     [8] AttributeValueAssertion,
///      extensibleMatch [9] MatchingRuleAssertion,
///      ... }
/// ```
/// Assertion values are bytes (binary attributes such as `objectGUID` need them); the `String`
/// helpers (``equal(_:_:)``, ``inChain(_:_:)``…) cover the usual text case. ``description`` renders the
/// RFC 4515 string with every special octet of every value escaped; ``init(parsing:)`` reads one
/// written by an administrator. Both directions are in `LDAPFilter+String.swift`; the BER encoding is
/// direct (`LDAPFilter+BER.swift`), never through the string.
public indirect enum LDAPFilter: Sendable, Hashable {
    /// All must match (`(&…)`; empty is RFC 4526 "absolute true").
    case and([LDAPFilter])
    /// Any must match (`(|…)`; empty is RFC 4526 "absolute false").
    case or([LDAPFilter])
    /// Must not match (`(!…)`).
    case not(LDAPFilter)
    /// `(attribute=value)`.
    case equalityMatch(attribute: String, value: [UInt8])
    /// `(attribute=initial*any*…*final)`.
    case substrings(attribute: String, initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?)
    /// `(attribute>=value)`.
    case greaterOrEqual(attribute: String, value: [UInt8])
    /// `(attribute<=value)`.
    case lessOrEqual(attribute: String, value: [UInt8])
    /// `(attribute=*)`.
    case present(attribute: String)
    /// `(attribute~=value)`.
    case approxMatch(attribute: String, value: [UInt8])
    /// `(attribute:dn:rule:=value)`; at least one of `attribute` and `matchingRule` is required.
    case extensibleMatch(matchingRule: String?, attribute: String?, value: [UInt8], dnAttributes: Bool)

    /// Matching rules Active Directory understands in extensible filters.
    public enum MatchingRule {
        /// `LDAP_MATCHING_RULE_IN_CHAIN`: membership through nested groups.
        public static let inChain = "1.2.840.113556.1.4.1941"
        /// `LDAP_MATCHING_RULE_BIT_AND`: every bit of the value is set (`userAccountControl`).
        public static let bitAnd = "1.2.840.113556.1.4.803"
        /// `LDAP_MATCHING_RULE_BIT_OR`: any bit of the value is set.
        public static let bitOr = "1.2.840.113556.1.4.804"
    }

    /// `(attribute=value)` for a text value.
    public static func equal(_ attribute: String, _ value: String) -> LDAPFilter {
        .equalityMatch(attribute: attribute, value: Array(value.utf8))
    }

    /// `(attribute=*value*)`: the value anywhere.
    public static func contains(_ attribute: String, _ value: String) -> LDAPFilter {
        .substrings(attribute: attribute, initial: nil, any: [Array(value.utf8)], final: nil)
    }

    /// `(attribute=value*)`: the value at the start.
    public static func startsWith(_ attribute: String, _ value: String) -> LDAPFilter {
        .substrings(attribute: attribute, initial: Array(value.utf8), any: [], final: nil)
    }

    /// `(attribute:1.2.840.113556.1.4.1941:=dn)`: Active Directory's transitive membership, for
    /// example `inChain("memberOf", groupDN)` matches members of the group and of its nested groups.
    public static func inChain(_ attribute: String, _ dn: String) -> LDAPFilter {
        .extensibleMatch(matchingRule: MatchingRule.inChain, attribute: attribute, value: Array(dn.utf8), dnAttributes: false)
    }

    /// `(attribute:1.2.840.113556.1.4.803:=bits)`: every bit set, for example a disabled account
    /// is `bitAnd("userAccountControl", 2)`.
    public static func bitAnd(_ attribute: String, _ bits: Int) -> LDAPFilter {
        .extensibleMatch(matchingRule: MatchingRule.bitAnd, attribute: attribute, value: Array(String(bits).utf8), dnAttributes: false)
    }

    /// Checks every attribute description and matching rule (RFC 4512 §2.5 syntax); values need no check.
    ///
    /// The client calls this before sending, so a filter built from a bad configuration fails with a
    /// clear error rather than a server's `protocolError`.
    public func validate() throws(LDAPFilterError) {
        switch self {
        case .and(let filters), .or(let filters):
            for filter in filters { try filter.validate() }
        case .not(let filter):
            try filter.validate()
        case .equalityMatch(let attribute, _), .greaterOrEqual(let attribute, _), .lessOrEqual(let attribute, _),
            .approxMatch(let attribute, _), .present(let attribute), .substrings(let attribute, _, _, _):
            try Self.validateAttribute(attribute)
        case .extensibleMatch(let rule, let attribute, _, _):
            if rule == nil && attribute == nil {
                throw LDAPFilterError(reason: "an extensible match needs an attribute or a matching rule")
            }
            if let attribute { try Self.validateAttribute(attribute) }
            if let rule, !LDAPSyntax.isOID(Array(rule.utf8)) && !LDAPSyntax.isKeyString(Array(rule.utf8)) {
                throw LDAPFilterError(reason: "matching rule \"\(rule)\" is not an OID or a name")
            }
        }
    }

    private static func validateAttribute(_ attribute: String) throws(LDAPFilterError) {
        if !LDAPSyntax.isAttributeDescription(Array(attribute.utf8)) {
            throw LDAPFilterError(reason: "\"\(attribute)\" is not an attribute description")
        }
    }
}

/// A filter that cannot be used: malformed text or an invalid attribute name.
public struct LDAPFilterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var reason: String
    /// The byte offset in the filter text where parsing stopped, when parsing.
    public var offset: Int?

    /// Creates an error.
    public init(reason: String, offset: Int? = nil) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        if let offset { return "invalid LDAP filter at offset \(offset): \(self.reason)" }
        return "invalid LDAP filter: \(self.reason)"
    }
}

/// Character classes of RFC 4512 §1.4 shared by filters and DNs.
enum LDAPSyntax {
    /// `keystring = leadkeychar *keychar` (a letter, then letters, digits and hyphens).
    static func isKeyString(_ bytes: some Collection<UInt8>) -> Bool {
        guard let first = bytes.first, isAlpha(first) else { return false }
        return bytes.allSatisfy { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// `numericoid = number 1*( DOT number )`, numbers without leading zeros.
    static func isOID(_ bytes: some Collection<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy(isDigit) && (part.count == 1 || part.first != UInt8(ascii: "0"))
        }
    }

    /// `attributedescription = attributetype options` with `options = *( SEMI option )`.
    static func isAttributeDescription(_ bytes: some Collection<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        guard let type = parts.first, isKeyString(type) || isOID(type) else { return false }
        return parts.dropFirst().allSatisfy { option in
            !option.isEmpty && option.allSatisfy { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isAlpha(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// The value of a hexadecimal digit, or `nil`.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Two lowercase hexadecimal digits for `byte`.
    static func hexDigits(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }
}
