/// The RFC 4515 string form of a filter: rendering with escaping, and a strict parser.
///
/// ```
/// filter         = LPAREN filtercomp RPAREN
/// filtercomp     = and / or / not / item
/// item           = simple / present / substring / extensible
/// simple         = attr filtertype assertionvalue        ; =  ~=  >=  <=
/// extensible     = ( attr [dnattrs] [matchingrule] COLON EQUALS assertionvalue )
///                  / ( [dnattrs] matchingrule COLON EQUALS assertionvalue )
/// substring      = attr EQUALS [initial] any [final]
/// valueencoding  = 0*(normal / escaped)                   ; escaped = ESC HEX HEX
/// normal         = UTF1SUBSET / UTFMB                     ; not NUL ( ) * \
/// ```
extension LDAPFilter: CustomStringConvertible {
    /// Longest filter text ``init(parsing:)`` accepts (bytes).
    public static let maximumParsedLength = 1 << 20
    /// Deepest nesting of `&`, `|` and `!` ``init(parsing:)`` accepts.
    public static let maximumParsedDepth = 64

    /// The RFC 4515 text; in every assertion value, `*`, `(`, `)`, `\`, NUL, other control characters and
    /// every non-ASCII octet are written `\XX`, so the text has the structure of the value, whatever the value.
    public var description: String {
        var out: [UInt8] = []
        self.render(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes one assertion value for RFC 4515 text (for building filter strings by hand; prefer the enum).
    public static func escape(_ value: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        Self.appendEscaped(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes one text assertion value for RFC 4515 text.
    public static func escape(_ value: String) -> String { Self.escape(Array(value.utf8)) }

    private func render(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "("))
        switch self {
        case .and(let filters):
            out.append(UInt8(ascii: "&"))
            for filter in filters { filter.render(into: &out) }
        case .or(let filters):
            out.append(UInt8(ascii: "|"))
            for filter in filters { filter.render(into: &out) }
        case .not(let filter):
            out.append(UInt8(ascii: "!"))
            filter.render(into: &out)
        case .equalityMatch(let attribute, let value):
            Self.appendItem(attribute, "=", value, to: &out)
        case .greaterOrEqual(let attribute, let value):
            Self.appendItem(attribute, ">=", value, to: &out)
        case .lessOrEqual(let attribute, let value):
            Self.appendItem(attribute, "<=", value, to: &out)
        case .approxMatch(let attribute, let value):
            Self.appendItem(attribute, "~=", value, to: &out)
        case .present(let attribute):
            out.append(contentsOf: attribute.utf8)
            out.append(contentsOf: "=*".utf8)
        case .substrings(let attribute, let initial, let any, let final):
            out.append(contentsOf: attribute.utf8)
            out.append(UInt8(ascii: "="))
            if let initial { Self.appendEscaped(initial, to: &out) }
            out.append(UInt8(ascii: "*"))
            for part in any {
                Self.appendEscaped(part, to: &out)
                out.append(UInt8(ascii: "*"))
            }
            if let final { Self.appendEscaped(final, to: &out) }
        case .extensibleMatch(let rule, let attribute, let value, let dnAttributes):
            if let attribute { out.append(contentsOf: attribute.utf8) }
            if dnAttributes { out.append(contentsOf: ":dn".utf8) }
            if let rule {
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: rule.utf8)
            }
            out.append(contentsOf: ":=".utf8)
            Self.appendEscaped(value, to: &out)
        }
        out.append(UInt8(ascii: ")"))
    }

    private static func appendItem(_ attribute: String, _ operator: String, _ value: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: attribute.utf8)
        out.append(contentsOf: `operator`.utf8)
        Self.appendEscaped(value, to: &out)
    }

    private static func appendEscaped(_ value: some Collection<UInt8>, to out: inout [UInt8]) {
        for byte in value {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"), 0x00..<0x20, 0x7F...0xFF:
                out.append(UInt8(ascii: "\\"))
                out.append(contentsOf: LDAPSyntax.hexDigits(byte))
            default:
                out.append(byte)
            }
        }
    }

    /// Parses RFC 4515 text, for example an administrator's user filter; anything malformed throws.
    ///
    /// Accepts surrounding whitespace only; values must escape `*`, `(`, `)`, `\` and NUL as `\XX`
    /// (an unescaped `*` makes a substring or presence filter, as the RFC says).
    public init(parsing text: String) throws(LDAPFilterError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maximumParsedLength else {
            throw LDAPFilterError(reason: "longer than \(Self.maximumParsedLength) bytes")
        }
        var parser = LDAPFilterParser(bytes: bytes)
        parser.skipSpaces()
        // RFC 4515 requires the parentheses; a bare item ("uid=x") is a common admin shorthand, accepted.
        let filter: LDAPFilter
        if parser.peek == UInt8(ascii: "(") {
            filter = try parser.parseFilter(depth: 0)
        } else {
            filter = try parser.parseItem(until: nil)
        }
        parser.skipSpaces()
        guard parser.isAtEnd else { throw parser.error("unexpected text after the filter") }
        self = filter
    }
}

/// A recursive-descent parser over the UTF-8 bytes of an RFC 4515 filter.
struct LDAPFilterParser {
    private let bytes: [UInt8]
    private var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { self.index >= self.bytes.count }
    var peek: UInt8? { self.isAtEnd ? nil : self.bytes[self.index] }

    func error(_ reason: String) -> LDAPFilterError { LDAPFilterError(reason: reason, offset: self.index) }

    mutating func skipSpaces() {
        while let byte = self.peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
            self.index += 1
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(LDAPFilterError) {
        guard self.peek == byte else { throw self.error("expected \(what)") }
        self.index += 1
    }

    /// `filter = LPAREN filtercomp RPAREN`
    mutating func parseFilter(depth: Int) throws(LDAPFilterError) -> LDAPFilter {
        guard depth < LDAPFilter.maximumParsedDepth else {
            throw self.error("nested deeper than \(LDAPFilter.maximumParsedDepth) levels")
        }
        try self.expect(UInt8(ascii: "("), "\"(\"")
        let filter: LDAPFilter
        switch self.peek {
        case UInt8(ascii: "&"):
            self.index += 1
            filter = .and(try self.parseList(depth: depth))
        case UInt8(ascii: "|"):
            self.index += 1
            filter = .or(try self.parseList(depth: depth))
        case UInt8(ascii: "!"):
            self.index += 1
            self.skipSpaces()
            filter = .not(try self.parseFilter(depth: depth + 1))
            self.skipSpaces()
        default:
            filter = try self.parseItem(until: UInt8(ascii: ")"))
        }
        try self.expect(UInt8(ascii: ")"), "\")\"")
        return filter
    }

    /// `filterlist = 1*filter` (an empty list is RFC 4526's absolute true/false).
    private mutating func parseList(depth: Int) throws(LDAPFilterError) -> [LDAPFilter] {
        var filters: [LDAPFilter] = []
        self.skipSpaces()
        while self.peek == UInt8(ascii: "(") {
            filters.append(try self.parseFilter(depth: depth + 1))
            self.skipSpaces()
        }
        return filters
    }

    /// `item = simple / present / substring / extensible`, ending at `terminator` (or the end of input).
    mutating func parseItem(until terminator: UInt8?) throws(LDAPFilterError) -> LDAPFilter {
        let start = self.index
        // The left side: everything up to the operator.
        while let byte = self.peek, byte != UInt8(ascii: "="), byte != UInt8(ascii: "~"), byte != UInt8(ascii: ">"),
            byte != UInt8(ascii: "<"), byte != UInt8(ascii: "("), byte != UInt8(ascii: ")")
        {
            self.index += 1
        }
        var left = Array(self.bytes[start..<self.index])
        guard let operatorByte = self.peek, operatorByte != UInt8(ascii: "("), operatorByte != UInt8(ascii: ")") else {
            throw self.error("expected an attribute followed by =, ~=, >= or <=")
        }
        var kind = UInt8(ascii: "=")
        if operatorByte != UInt8(ascii: "=") {
            kind = operatorByte
            self.index += 1
            guard self.peek == UInt8(ascii: "=") else { throw self.error("expected \"=\" after \"\(Character(Unicode.Scalar(kind)))\"") }
        }
        self.index += 1
        let isExtensible = kind == UInt8(ascii: "=") && left.last == UInt8(ascii: ":")
        if isExtensible { left.removeLast() }
        let valueStart = self.index
        // The value runs to the terminator; unescaped "*" splits it into substring parts.
        var parts: [[UInt8]] = [[]]
        while let byte = self.peek, byte != terminator {
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), 0x00:
                throw self.error("a value must escape \"(\", \")\" and NUL as \\XX")
            case UInt8(ascii: "\\"):
                guard self.index + 2 < self.bytes.count,
                    let high = LDAPSyntax.hexValue(self.bytes[self.index + 1]),
                    let low = LDAPSyntax.hexValue(self.bytes[self.index + 2])
                else { throw self.error("\"\\\" must be followed by two hexadecimal digits") }
                parts[parts.count - 1].append(high << 4 | low)
                self.index += 3
            case UInt8(ascii: "*"):
                parts.append([])
                self.index += 1
            default:
                parts[parts.count - 1].append(byte)
                self.index += 1
            }
        }
        if terminator != nil && self.isAtEnd { throw self.error("missing \")\"") }
        let hasStar = parts.count > 1

        if isExtensible {
            if hasStar { throw LDAPFilterError(reason: "an extensible match value must escape \"*\"", offset: valueStart) }
            return try self.extensible(left, value: parts[0], at: start)
        }
        guard LDAPSyntax.isAttributeDescription(left) else {
            throw LDAPFilterError(reason: "\"\(String(decoding: left, as: UTF8.self))\" is not an attribute description", offset: start)
        }
        let attribute = String(decoding: left, as: UTF8.self)
        switch kind {
        case UInt8(ascii: "="):
            if !hasStar { return .equalityMatch(attribute: attribute, value: parts[0]) }
            if parts.count == 2 && parts[0].isEmpty && parts[1].isEmpty { return .present(attribute: attribute) }
            let middle = parts.dropFirst().dropLast()
            if middle.contains(where: \.isEmpty) {
                throw LDAPFilterError(reason: "a substring filter may not contain \"**\"", offset: valueStart)
            }
            return .substrings(
                attribute: attribute, initial: parts[0].isEmpty ? nil : parts[0], any: Array(middle),
                final: parts[parts.count - 1].isEmpty ? nil : parts[parts.count - 1]
            )
        default:
            if hasStar { throw LDAPFilterError(reason: "a value compared with ~=, >= or <= must escape \"*\"", offset: valueStart) }
            switch kind {
            case UInt8(ascii: "~"): return .approxMatch(attribute: attribute, value: parts[0])
            case UInt8(ascii: ">"): return .greaterOrEqual(attribute: attribute, value: parts[0])
            default: return .lessOrEqual(attribute: attribute, value: parts[0])
            }
        }
    }

    /// `[attr] [":dn"] [":" matchingrule]` before `:=`.
    private func extensible(_ left: [UInt8], value: [UInt8], at offset: Int) throws(LDAPFilterError) -> LDAPFilter {
        var pieces = left.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map(Array.init)
        var attribute: String?
        if let first = pieces.first, !first.isEmpty {
            guard LDAPSyntax.isAttributeDescription(first) else {
                throw LDAPFilterError(reason: "\"\(String(decoding: first, as: UTF8.self))\" is not an attribute description", offset: offset)
            }
            attribute = String(decoding: first, as: UTF8.self)
        } else if pieces.count < 2 {
            throw LDAPFilterError(reason: "an extensible match needs an attribute or a matching rule", offset: offset)
        }
        pieces.removeFirst()
        var dnAttributes = false
        if let first = pieces.first, first.count == 2, String(decoding: first, as: UTF8.self).lowercased() == "dn" {
            dnAttributes = true
            pieces.removeFirst()
        }
        var rule: String?
        if let first = pieces.first {
            guard LDAPSyntax.isOID(first) || LDAPSyntax.isKeyString(first) else {
                throw LDAPFilterError(reason: "\"\(String(decoding: first, as: UTF8.self))\" is not a matching rule", offset: offset)
            }
            rule = String(decoding: first, as: UTF8.self)
            pieces.removeFirst()
        }
        guard pieces.isEmpty else { throw LDAPFilterError(reason: "too many \":\" in an extensible match", offset: offset) }
        guard attribute != nil || rule != nil else {
            throw LDAPFilterError(reason: "an extensible match needs an attribute or a matching rule", offset: offset)
        }
        return .extensibleMatch(matchingRule: rule, attribute: attribute, value: value, dnAttributes: dnAttributes)
    }
}
