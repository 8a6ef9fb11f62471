/// A distinguished name as a list of relative distinguished names (RFC 4514), most specific first.
///
/// ```
/// distinguishedName = [ relativeDistinguishedName *( COMMA relativeDistinguishedName ) ]
/// relativeDistinguishedName = attributeTypeAndValue *( PLUS attributeTypeAndValue )
/// attributeTypeAndValue = attributeType EQUALS attributeValue
/// attributeValue = string / hexstring
/// ```
/// ``description`` writes the RFC 4514 string with every value escaped (``escape(_:)``), so a value taken
/// from user input cannot add or change RDNs.
public struct LDAPDistinguishedName: Sendable, Hashable, CustomStringConvertible {
    /// One `type=value` pair.
    public struct AttributeTypeAndValue: Sendable, Hashable {
        /// The attribute type as written (`CN`, `uid`, `2.5.4.3`).
        public var type: String
        /// The value, unescaped; a `#`-hexstring value is kept in its `#…` form.
        public var value: String
        /// Whether ``value`` is a `#`-hexstring (BER of the value) rather than text; only the parser sets it.
        public var isHexString: Bool

        /// Creates a pair with a text value (escaped when written).
        public init(type: String, value: String) {
            self.type = type
            self.value = value
            self.isHexString = false
        }

        /// Creates a pair whose value is an RFC 4514 `#`-hexstring, written as it is.
        init(type: String, hexString: String) {
            self.type = type
            self.value = hexString
            self.isHexString = true
        }
    }

    /// One RDN: usually one pair, several joined by `+` in multi-valued RDNs.
    public struct RelativeDistinguishedName: Sendable, Hashable {
        /// The pairs of this RDN.
        public var attributes: [AttributeTypeAndValue]

        /// Creates an RDN.
        public init(_ attributes: [AttributeTypeAndValue]) { self.attributes = attributes }

        /// A single-valued RDN.
        public init(type: String, value: String) { self.attributes = [AttributeTypeAndValue(type: type, value: value)] }
    }

    /// The RDNs, most specific (leftmost) first.
    public var rdns: [RelativeDistinguishedName]

    /// Creates a DN from RDNs.
    public init(_ rdns: [RelativeDistinguishedName]) { self.rdns = rdns }

    /// The DN `rdn,parent`, for example a user's DN built from an escaped user name under a base DN.
    public init(rdn: RelativeDistinguishedName, parent: LDAPDistinguishedName) {
        self.rdns = [rdn] + parent.rdns
    }

    /// The RFC 4514 text with every value escaped.
    public var description: String {
        self.rdns.map { rdn in
            rdn.attributes.map { "\($0.type)=\($0.isHexString ? $0.value : Self.escape($0.value))" }
                .joined(separator: "+")
        }.joined(separator: ",")
    }

    /// Escapes one attribute value for a DN string (RFC 4514 §2.4): `"` `+` `,` `;` `<` `>` `\` `=` with a
    /// backslash anywhere, a leading `#` or space and a trailing space likewise, NUL and other control
    /// characters as `\XX`.
    public static func escape(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "<"),
                UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "="):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case UInt8(ascii: "#") where index == 0, UInt8(ascii: " ") where index == 0 || index == bytes.count - 1:
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x00..<0x20, 0x7F:
                out.append(UInt8(ascii: "\\"))
                out.append(contentsOf: LDAPSyntax.hexDigits(byte))
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses RFC 4514 text (also the `, ` separators of RFC 1779 style DNs that Active Directory tools show).
    public init(parsing text: String) throws(LDAPDistinguishedNameError) {
        var parser = DNParser(bytes: Array(text.utf8))
        self.rdns = try parser.parse()
    }
}

/// DN text that does not follow RFC 4514.
public struct LDAPDistinguishedNameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var reason: String
    /// The byte offset where parsing stopped.
    public var offset: Int

    public var description: String { "invalid distinguished name at offset \(self.offset): \(self.reason)" }
}

/// A parser over the UTF-8 bytes of an RFC 4514 DN.
private struct DNParser {
    let bytes: [UInt8]
    var index = 0

    var peek: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    func error(_ reason: String) -> LDAPDistinguishedNameError { LDAPDistinguishedNameError(reason: reason, offset: self.index) }

    mutating func skipSpaces() {
        while self.peek == UInt8(ascii: " ") { self.index += 1 }
    }

    mutating func parse() throws(LDAPDistinguishedNameError) -> [LDAPDistinguishedName.RelativeDistinguishedName] {
        self.skipSpaces()
        if self.peek == nil { return [] }
        var rdns: [LDAPDistinguishedName.RelativeDistinguishedName] = []
        var current: [LDAPDistinguishedName.AttributeTypeAndValue] = []
        while true {
            current.append(try self.parsePair())
            switch self.peek {
            case nil:
                rdns.append(.init(current))
                return rdns
            case UInt8(ascii: "+"):
                self.index += 1
            case UInt8(ascii: ","), UInt8(ascii: ";"):
                self.index += 1
                rdns.append(.init(current))
                current = []
            default:
                throw self.error("expected \",\" or \"+\"")
            }
        }
    }

    mutating func parsePair() throws(LDAPDistinguishedNameError) -> LDAPDistinguishedName.AttributeTypeAndValue {
        self.skipSpaces()
        let start = self.index
        while let byte = self.peek, byte != UInt8(ascii: "="), byte != UInt8(ascii: " ") { self.index += 1 }
        let typeBytes = self.bytes[start..<self.index]
        guard LDAPSyntax.isKeyString(typeBytes) || LDAPSyntax.isOID(typeBytes) || self.isOIDWithPrefix(typeBytes) else {
            throw LDAPDistinguishedNameError(reason: "\"\(String(decoding: typeBytes, as: UTF8.self))\" is not an attribute type", offset: start)
        }
        self.skipSpaces()
        guard self.peek == UInt8(ascii: "=") else { throw self.error("expected \"=\"") }
        self.index += 1
        self.skipSpaces()
        let type = String(decoding: typeBytes, as: UTF8.self)
        if self.peek == UInt8(ascii: "#") {
            let valueStart = self.index
            self.index += 1
            while let byte = self.peek, LDAPSyntax.hexValue(byte) != nil { self.index += 1 }
            let digits = self.index - valueStart - 1
            guard digits > 0, digits % 2 == 0 else { throw self.error("a #hexstring needs pairs of hexadecimal digits") }
            self.skipSpaces()
            return .init(type: type, hexString: String(decoding: self.bytes[valueStart..<self.index], as: UTF8.self))
        }
        return .init(type: type, value: try self.parseString())
    }

    /// `string` with `\special` and `\HH` escapes; unescaped trailing spaces are dropped (RFC 4514 §3).
    mutating func parseString() throws(LDAPDistinguishedNameError) -> String {
        var out: [UInt8] = []
        var significantLength = 0
        while let byte = self.peek, byte != UInt8(ascii: ","), byte != UInt8(ascii: "+"), byte != UInt8(ascii: ";") {
            switch byte {
            case UInt8(ascii: "\\"):
                guard self.index + 1 < self.bytes.count else { throw self.error("a DN ends with \"\\\"") }
                let next = self.bytes[self.index + 1]
                if let high = LDAPSyntax.hexValue(next) {
                    guard self.index + 2 < self.bytes.count, let low = LDAPSyntax.hexValue(self.bytes[self.index + 2]) else {
                        throw self.error("\"\\\" must be followed by a special character or two hexadecimal digits")
                    }
                    out.append(high << 4 | low)
                    self.index += 3
                } else if "\"+,;<>\\= #".utf8.contains(next) {
                    out.append(next)
                    self.index += 2
                } else {
                    throw self.error("\"\\\" must be followed by a special character or two hexadecimal digits")
                }
                significantLength = out.count
            case UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), 0x00:
                throw self.error("an unescaped \"\(Character(Unicode.Scalar(byte)))\" in a value")
            default:
                out.append(byte)
                self.index += 1
                if byte != UInt8(ascii: " ") { significantLength = out.count }
            }
        }
        return String(decoding: out[..<significantLength], as: UTF8.self)
    }

    /// `OID.2.5.4.3` (RFC 1779 style), which some tools still write.
    private func isOIDWithPrefix(_ type: ArraySlice<UInt8>) -> Bool {
        let prefix = Array("OID.".utf8)
        guard type.count > prefix.count, type.prefix(prefix.count).map({ $0 | 0x20 }) == prefix.map({ $0 | 0x20 }) else { return false }
        return LDAPSyntax.isOID(type.dropFirst(prefix.count))
    }
}
