import SwiftASN1

/// Tags and small read/write helpers for LDAP's BER (RFC 4511 §5.1: definite lengths, primitive strings).
///
/// Writing goes through swift-asn1's DER serializer (DER is valid BER); reading uses `BER.parse`, which
/// also accepts the long-form lengths and constructed strings other servers send.
enum BERSupport {
    /// `[APPLICATION n]`.
    static func application(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .application) }
    /// `[n]` (context-specific).
    static func context(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific) }

    /// The children of a constructed node with the expected tag.
    static func children(of node: ASN1Node, _ identifier: ASN1Identifier, _ what: String) throws(LDAPDecodingError) -> [ASN1Node] {
        guard node.identifier == identifier else {
            throw LDAPDecodingError(reason: "\(what): expected tag \(identifier), found \(node.identifier)")
        }
        guard case .constructed(let nodes) = node.content else {
            throw LDAPDecodingError(reason: "\(what): expected a constructed element")
        }
        return Array(nodes)
    }

    /// The content octets of an OCTET STRING (or implicitly tagged one), primitive or constructed.
    static func octets(_ node: ASN1Node, _ identifier: ASN1Identifier = .octetString, _ what: String) throws(LDAPDecodingError) -> [UInt8] {
        do {
            return Array(try ASN1OctetString(berEncoded: node, withIdentifier: identifier).bytes)
        } catch {
            throw LDAPDecodingError(reason: "\(what): \(error)")
        }
    }

    /// An LDAPString / LDAPDN / LDAPOID (UTF-8; invalid sequences are replaced, never trusted).
    static func string(_ node: ASN1Node, _ identifier: ASN1Identifier = .octetString, _ what: String) throws(LDAPDecodingError) -> String {
        String(decoding: try Self.octets(node, identifier, what), as: UTF8.self)
    }

    /// An INTEGER or ENUMERATED that fits an `Int`.
    static func integer(_ node: ASN1Node, _ identifier: ASN1Identifier = .integer, _ what: String) throws(LDAPDecodingError) -> Int {
        do {
            return try Int(berEncoded: node, withIdentifier: identifier)
        } catch {
            throw LDAPDecodingError(reason: "\(what): \(error)")
        }
    }

    /// A BOOLEAN (BER: any non-zero octet is true).
    static func boolean(_ node: ASN1Node, _ identifier: ASN1Identifier = .boolean, _ what: String) throws(LDAPDecodingError) -> Bool {
        do {
            return try Bool(berEncoded: node, withIdentifier: identifier)
        } catch {
            throw LDAPDecodingError(reason: "\(what): \(error)")
        }
    }

    /// Parses exactly one element.
    static func parse(_ bytes: ArraySlice<UInt8>, _ what: String) throws(LDAPDecodingError) -> ASN1Node {
        do {
            return try BER.parse(bytes)
        } catch {
            throw LDAPDecodingError(reason: "\(what): \(error)")
        }
    }
}

extension DER.Serializer {
    /// Appends an OCTET STRING (or an implicitly tagged one).
    mutating func appendOctets(_ bytes: some Collection<UInt8>, _ identifier: ASN1Identifier = .octetString) {
        self.appendPrimitiveNode(identifier: identifier) { $0.append(contentsOf: bytes) }
    }

    /// Appends an LDAPString as UTF-8.
    mutating func appendString(_ string: String, _ identifier: ASN1Identifier = .octetString) {
        self.appendOctets(string.utf8, identifier)
    }

    /// Appends an INTEGER or ENUMERATED.
    mutating func appendInteger(_ value: Int, _ identifier: ASN1Identifier = .integer) throws {
        try value.serialize(into: &self, withIdentifier: identifier)
    }

    /// Appends a BOOLEAN.
    mutating func appendBoolean(_ value: Bool, _ identifier: ASN1Identifier = .boolean) throws {
        try value.serialize(into: &self, withIdentifier: identifier)
    }
}

/// Bytes that are not a well-formed LDAP message (RFC 4511 §4); the client reports a protocol violation.
public struct LDAPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public var reason: String

    /// Creates an error.
    public init(reason: String) { self.reason = reason }

    public var description: String { "malformed LDAP message: \(self.reason)" }
}
