import Foundation

/// One pattern of a rule side, parsed: a full address, a domain, or a regular expression written `/…/`
/// (for compatibility also `^…$`). Regular expressions are checked when saved: at most 1,000 characters, they
/// must compile, and no repeated group may itself contain a repetition or an alternative (`(a+)+`, `(a|aa)*`),
/// the shapes that make a backtracking matcher take exponential time. Addresses are at most 254 characters,
/// so every match is bounded.
public enum AddressPattern: Sendable, Equatable {
    case address(String)
    case domain(String)
    case expression(String)

    /// Longest pattern accepted.
    public static let maxLength = 1000

    /// Why a pattern was refused, in a sentence.
    public struct Problem: Error, Equatable, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    /// Parses `text`; the problem names what to fix.
    public init(_ text: String) throws(Problem) {
        let p = text.trimmingCharacters(in: .whitespaces)
        guard !p.isEmpty else { throw Problem("A pattern is empty.") }
        guard p.count <= Self.maxLength else { throw Problem("A pattern has more than \(Self.maxLength) characters.") }
        guard !p.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { throw Problem("A pattern contains a control character.") }
        if p.count >= 2, p.hasPrefix("/"), p.hasSuffix("/") {
            let body = String(p.dropFirst().dropLast())
            try Self.checkExpression(body)
            self = .expression(body)
        } else if p.hasPrefix("^") {
            try Self.checkExpression(p)
            self = .expression(p)
        } else if p.contains("@") && !p.hasPrefix("@") {
            guard let address = EmailAddress(p) else { throw Problem("\(p.prefix(80)) is not an email address.") }
            self = .address(address.normalized)
        } else {
            let domain = (p.hasPrefix("@") ? String(p.dropFirst()) : p).lowercased()
            guard !domain.isEmpty, domain.count <= 253, domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }),
                  !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
                throw Problem("\(p.prefix(80)) is neither an address, a domain nor a regular expression in /…/.")
            }
            self = .domain(domain)
        }
    }

    /// Whether `address` matches (case-insensitive).
    public func matches(_ address: EmailAddress) -> Bool {
        switch self {
        case .address(let a): return a == address.normalized
        case .domain(let d): return address.domain.lowercased() == d
        case .expression(let e):
            let input = address.normalized
            guard input.count <= 254, let regex = try? Regex(e).ignoresCase() else { return false }
            return (try? regex.wholeMatch(in: input)) != nil
        }
    }

    /// Refuses expressions that do not compile or whose shape can take exponential time.
    static func checkExpression(_ expression: String) throws(Problem) {
        do {
            _ = try Regex(expression)
        } catch {
            throw Problem("/\(expression.prefix(80))/ is not a valid regular expression.")
        }
        if expression.range(of: #"\\[1-9]|\\k<"#, options: .regularExpression) != nil {
            throw Problem("/\(expression.prefix(80))/ uses a back-reference, which can take very long to match.")
        }
        // Find each group and whether a quantifier follows it; a quantified group may hold neither a
        // quantifier nor an alternative.
        let chars = Array(expression)
        var stack: [Int] = []
        var problem = false
        structure(of: chars) { i, c in
            if c == "(" {
                stack.append(i)
            } else if c == ")", let open = stack.popLast() {
                let next = i + 1 < chars.count ? chars[i + 1] : " "
                let repeated = next == "*" || next == "+" || (next == "{" && Self.isUnboundedOrLarge(chars, from: i + 1))
                if repeated, Self.hasRepetitionOrAlternative(Array(chars[(open + 1)..<i])) { problem = true }
            }
            return !problem
        }
        if problem {
            throw Problem("/\(expression.prefix(80))/ repeats a group that itself repeats or has alternatives; that can take exponential time.")
        }
    }

    /// Calls `visit` with each character outside escapes and character classes, with its index, until it returns false.
    static func structure(of chars: [Character], _ visit: (Int, Character) -> Bool) {
        var i = 0
        var inClass = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
            } else if c == "[" {
                inClass = true
            } else if !visit(i, c) {
                return
            }
            i += 1
        }
    }

    /// Whether a `{…}` at `index` is `{n,}` or allows more than 10 repetitions.
    static func isUnboundedOrLarge(_ chars: [Character], from index: Int) -> Bool {
        guard let close = chars[index...].firstIndex(of: "}") else { return false }
        let body = String(chars[(index + 1)..<close])
        let parts = body.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count == 2 && parts[1].isEmpty { return true }
        return (Int(parts.last ?? "") ?? 0) > 10
    }

    /// Whether a group's body (outside character classes and escapes) repeats or has alternatives.
    static func hasRepetitionOrAlternative(_ body: [Character]) -> Bool {
        var found = false
        structure(of: body) { _, c in
            found = "*+|{".contains(c)
            return !found
        }
        return found
    }
}
