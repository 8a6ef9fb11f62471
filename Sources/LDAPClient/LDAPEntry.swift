/// One entry returned by a search (`SearchResultEntry`, RFC 4511 §4.5.2).
///
/// ```
/// SearchResultEntry ::= [APPLICATION 4] SEQUENCE {
///      objectName      LDAPDN,
///      attributes      PartialAttributeList }
/// ```
public struct LDAPEntry: Sendable, Hashable {
    /// The entry's distinguished name as the server wrote it.
    public var dn: String
    /// The returned attributes, in the server's order.
    public var attributes: [LDAPAttribute]

    /// Creates an entry.
    public init(dn: String, attributes: [LDAPAttribute]) {
        self.dn = dn
        self.attributes = attributes
    }

    /// The values of `attribute` as text (UTF-8), matched case-insensitively; empty when absent.
    public subscript(attribute: String) -> [String] {
        self.rawValues(of: attribute).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The values of `attribute` as bytes (for binary attributes such as `objectGUID`); empty when absent.
    public func rawValues(of attribute: String) -> [[UInt8]] {
        let wanted = attribute.lowercased()
        return self.attributes.filter { $0.type.lowercased() == wanted }.flatMap(\.values)
    }
}

/// One attribute of an entry with its values (`PartialAttribute`, RFC 4511 §4.1.7).
public struct LDAPAttribute: Sendable, Hashable {
    /// The attribute description, for example `mail` or `memberOf`.
    public var type: String
    /// The values as the server sent them.
    public var values: [[UInt8]]

    /// Creates an attribute.
    public init(type: String, values: [[UInt8]]) {
        self.type = type
        self.values = values
    }

    /// Creates an attribute from text values.
    public init(type: String, strings: [String]) {
        self.init(type: type, values: strings.map { Array($0.utf8) })
    }
}
