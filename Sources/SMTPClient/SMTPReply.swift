/// One complete server reply (RFC 5321 §4.2), possibly spanning several lines.
///
/// ```
/// Reply-line     = *( Reply-code "-" [ textstring ] CRLF )
///                     Reply-code [ SP textstring ] CRLF
/// Reply-code     = %x32-35 %x30-35 %x30-39
/// ```
/// Enhanced status codes (RFC 3463, e.g. `5.1.1`) stay inside the text; ``enhancedStatusCode``
/// extracts the one at the start of the first line.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The three-digit reply code.
    public var code: Int
    /// The text of each line, without the code and separator.
    public var lines: [String]

    /// Creates a reply.
    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines.isEmpty ? [""] : lines
    }

    /// Creates a one-line reply.
    public init(code: Int, _ text: String) {
        self.init(code: code, lines: [text])
    }

    /// 2yz: the command succeeded.
    public var isPositiveCompletion: Bool { (200..<300).contains(self.code) }
    /// 3yz: the server waits for more input (354 after DATA, 334 during AUTH).
    public var isPositiveIntermediate: Bool { (300..<400).contains(self.code) }
    /// 4yz: a temporary failure; the same request may succeed later.
    public var isTransientNegative: Bool { (400..<500).contains(self.code) }
    /// 5yz: a permanent failure; repeating the request will not help.
    public var isPermanentNegative: Bool { (500..<600).contains(self.code) }

    /// The RFC 3463 enhanced status code at the start of the first line, if any (`"5.1.1"`).
    public var enhancedStatusCode: String? {
        guard let first = self.lines.first?.split(separator: " ", maxSplits: 1).first else { return nil }
        let parts = first.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let classDigit = parts[0].first, "245".contains(classDigit), parts[0].count == 1,
            parts[1...].allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isASCIIDigit) })
        else { return nil }
        return String(first)
    }

    /// All lines joined with a space, for messages and logs.
    public var text: String { self.lines.joined(separator: " ") }

    /// The reply as it looked on the wire, lines joined with ` / `.
    public var description: String {
        self.lines.isEmpty ? "\(self.code)" : "\(self.code) \(self.lines.joined(separator: " / "))"
    }
}

extension Character {
    /// Whether this is one of `0`…`9`.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
