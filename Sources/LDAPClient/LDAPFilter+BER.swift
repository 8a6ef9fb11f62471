import SwiftASN1

/// The BER encoding of a ``LDAPFilter`` (RFC 4511 §4.5.1.7), written directly from the enum.
///
/// ```
/// AttributeValueAssertion ::= SEQUENCE { attributeDesc AttributeDescription, assertionValue AssertionValue }
/// SubstringFilter ::= SEQUENCE {
///      type           AttributeDescription,
///      substrings     SEQUENCE SIZE (1..MAX) OF substring CHOICE {
///           initial [0] AssertionValue, any [1] AssertionValue, final [2] AssertionValue } }
/// MatchingRuleAssertion ::= SEQUENCE {
///      matchingRule    [1] MatchingRuleId OPTIONAL,
///      type            [2] AttributeDescription OPTIONAL,
///      matchValue      [3] AssertionValue,
///      dnAttributes    [4] BOOLEAN DEFAULT FALSE }
/// ```
extension LDAPFilter {
    /// Appends the filter's BER encoding.
    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .and(let filters):
            // A SET OF, written in the given order (DER's sorting is not required by BER).
            try coder.appendConstructedNode(identifier: BERSupport.context(0)) { coder in
                for filter in filters { try filter.serialize(into: &coder) }
            }
        case .or(let filters):
            try coder.appendConstructedNode(identifier: BERSupport.context(1)) { coder in
                for filter in filters { try filter.serialize(into: &coder) }
            }
        case .not(let filter):
            try coder.appendConstructedNode(identifier: BERSupport.context(2)) { coder in
                try filter.serialize(into: &coder)
            }
        case .equalityMatch(let attribute, let value):
            Self.serializeAssertion(3, attribute, value, into: &coder)
        case .substrings(let attribute, let initial, let any, let final):
            coder.appendConstructedNode(identifier: BERSupport.context(4)) { coder in
                coder.appendString(attribute)
                coder.appendConstructedNode(identifier: .sequence) { coder in
                    if let initial { coder.appendOctets(initial, BERSupport.context(0)) }
                    for part in any { coder.appendOctets(part, BERSupport.context(1)) }
                    if let final { coder.appendOctets(final, BERSupport.context(2)) }
                }
            }
        case .greaterOrEqual(let attribute, let value):
            Self.serializeAssertion(5, attribute, value, into: &coder)
        case .lessOrEqual(let attribute, let value):
            Self.serializeAssertion(6, attribute, value, into: &coder)
        case .present(let attribute):
            coder.appendString(attribute, BERSupport.context(7))
        case .approxMatch(let attribute, let value):
            Self.serializeAssertion(8, attribute, value, into: &coder)
        case .extensibleMatch(let rule, let attribute, let value, let dnAttributes):
            try coder.appendConstructedNode(identifier: BERSupport.context(9)) { coder in
                if let rule { coder.appendString(rule, BERSupport.context(1)) }
                if let attribute { coder.appendString(attribute, BERSupport.context(2)) }
                coder.appendOctets(value, BERSupport.context(3))
                if dnAttributes { try coder.appendBoolean(true, BERSupport.context(4)) }
            }
        }
    }

    private static func serializeAssertion(_ tag: UInt, _ attribute: String, _ value: [UInt8], into coder: inout DER.Serializer) {
        coder.appendConstructedNode(identifier: BERSupport.context(tag)) { coder in
            coder.appendString(attribute)
            coder.appendOctets(value)
        }
    }

    /// Reads a filter from its BER encoding (used by tests and scripted servers).
    init(berEncoded node: ASN1Node) throws(LDAPDecodingError) {
        let tag = node.identifier
        guard tag.tagClass == .contextSpecific else { throw LDAPDecodingError(reason: "filter: unexpected tag \(tag)") }
        switch tag.tagNumber {
        case 0, 1:
            var filters: [LDAPFilter] = []
            for child in try BERSupport.children(of: node, tag, "filter set") { filters.append(try LDAPFilter(berEncoded: child)) }
            self = tag.tagNumber == 0 ? .and(filters) : .or(filters)
        case 2:
            let children = try BERSupport.children(of: node, tag, "not")
            guard children.count == 1 else { throw LDAPDecodingError(reason: "not: expected one filter") }
            self = .not(try LDAPFilter(berEncoded: children[0]))
        case 3, 5, 6, 8:
            let children = try BERSupport.children(of: node, tag, "assertion")
            guard children.count == 2 else { throw LDAPDecodingError(reason: "assertion: expected two elements") }
            let attribute = try BERSupport.string(children[0], .octetString, "assertion attribute")
            let value = try BERSupport.octets(children[1], .octetString, "assertion value")
            switch tag.tagNumber {
            case 3: self = .equalityMatch(attribute: attribute, value: value)
            case 5: self = .greaterOrEqual(attribute: attribute, value: value)
            case 6: self = .lessOrEqual(attribute: attribute, value: value)
            default: self = .approxMatch(attribute: attribute, value: value)
            }
        case 4:
            let children = try BERSupport.children(of: node, tag, "substrings")
            guard children.count == 2 else { throw LDAPDecodingError(reason: "substrings: expected two elements") }
            let attribute = try BERSupport.string(children[0], .octetString, "substrings attribute")
            var initial: [UInt8]?
            var any: [[UInt8]] = []
            var final: [UInt8]?
            for part in try BERSupport.children(of: children[1], .sequence, "substrings list") {
                let value = try BERSupport.octets(part, part.identifier, "substring")
                switch part.identifier {
                case BERSupport.context(0): initial = value
                case BERSupport.context(1): any.append(value)
                case BERSupport.context(2): final = value
                default: throw LDAPDecodingError(reason: "substring: unexpected tag \(part.identifier)")
                }
            }
            self = .substrings(attribute: attribute, initial: initial, any: any, final: final)
        case 7:
            self = .present(attribute: try BERSupport.string(node, tag, "present"))
        case 9:
            var rule: String?
            var attribute: String?
            var value: [UInt8]?
            var dnAttributes = false
            for child in try BERSupport.children(of: node, tag, "extensible match") {
                switch child.identifier {
                case BERSupport.context(1): rule = try BERSupport.string(child, child.identifier, "matching rule")
                case BERSupport.context(2): attribute = try BERSupport.string(child, child.identifier, "extensible attribute")
                case BERSupport.context(3): value = try BERSupport.octets(child, child.identifier, "extensible value")
                case BERSupport.context(4): dnAttributes = try BERSupport.boolean(child, child.identifier, "dnAttributes")
                default: throw LDAPDecodingError(reason: "extensible match: unexpected tag \(child.identifier)")
                }
            }
            guard let value else { throw LDAPDecodingError(reason: "extensible match: no value") }
            self = .extensibleMatch(matchingRule: rule, attribute: attribute, value: value, dnAttributes: dnAttributes)
        default:
            throw LDAPDecodingError(reason: "filter: unknown choice \(tag.tagNumber)")
        }
    }
}
