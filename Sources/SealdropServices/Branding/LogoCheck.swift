import Foundation

/// Decides whether uploaded bytes may become the logo that mails and pages show: a PNG, or an SVG made only
/// of drawing elements. An SVG is refused, not cleaned, when it holds anything that could run or fetch:
/// scripts, event attributes, links other than to its own `#fragments`, `url()` other than `url(#…)`,
/// `<foreignObject>`, a DOCTYPE or entities, CDATA, processing instructions, character references.
public struct LogoCheck: Sendable {
    /// Largest logo accepted; it travels inside every mail.
    public static let maxSize = 128 * 1024
    /// Largest PNG side in pixels.
    public static let maxPixels: UInt32 = 4096

    /// Why a logo was refused, in a sentence for the administrator.
    public struct Refusal: Error, Equatable, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }

    /// The SVG elements a logo may use.
    static let svgElements: Set<String> = [
        "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "defs", "linearGradient",
        "radialGradient", "stop", "clipPath", "mask", "symbol", "use", "title", "desc", "style", "pattern",
    ]

    public init() {}

    /// The media type of `bytes` when they make an acceptable logo.
    public func mediaType(of bytes: [UInt8]) throws(Refusal) -> String {
        guard !bytes.isEmpty else { throw Refusal("The file is empty.") }
        guard bytes.count <= Self.maxSize else { throw Refusal("The logo is larger than \(Self.maxSize / 1024) KiB.") }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            try checkPNG(bytes)
            return "image/png"
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Refusal("The logo is neither a PNG nor an SVG (UTF-8 text).") }
        try checkSVG(text)
        return "image/svg+xml"
    }

    /// A PNG whose first chunk is a well-formed header of sensible size and whose last chunk is `IEND`.
    func checkPNG(_ bytes: [UInt8]) throws(Refusal) {
        func u32(_ at: Int) -> UInt32 { bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        guard bytes.count >= 8 + 25 + 12, u32(8) == 13, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw Refusal("The PNG is damaged (no image header).")
        }
        let width = u32(16), height = u32(20)
        guard (1...Self.maxPixels).contains(width), (1...Self.maxPixels).contains(height) else {
            throw Refusal("The PNG is \(width)×\(height) pixels; at most \(Self.maxPixels) on each side.")
        }
        guard Array(bytes[(bytes.count - 8)..<(bytes.count - 4)]) == Array("IEND".utf8) else { throw Refusal("The PNG is damaged (cut off).") }
    }

    /// An SVG of drawing elements only (see the type's description).
    func checkSVG(_ text: String) throws(Refusal) {
        var s = Substring(text)
        if s.hasPrefix("\u{FEFF}") { s = s.dropFirst() }
        s = s.drop { $0.isWhitespace }
        if s.hasPrefix("<?xml") {
            guard let end = s.range(of: "?>") else { throw Refusal("The SVG's XML declaration is not closed.") }
            s = s[end.upperBound...]
        }
        var sawRoot = false
        var openStyle = false
        while !s.isEmpty {
            guard let lt = s.firstIndex(of: "<") else {
                try checkText(s, inStyle: openStyle)
                break
            }
            try checkText(s[..<lt], inStyle: openStyle)
            s = s[lt...]
            if s.hasPrefix("<!--") {
                guard let end = s.range(of: "-->") else { throw Refusal("An SVG comment is not closed.") }
                s = s[end.upperBound...]
                continue
            }
            if s.hasPrefix("<!") { throw Refusal("The SVG has a DOCTYPE, an entity or CDATA; export it as plain SVG.") }
            if s.hasPrefix("<?") { throw Refusal("The SVG has a processing instruction; export it as plain SVG.") }
            guard let gt = s.firstIndex(of: ">") else { throw Refusal("An SVG tag is not closed.") }
            let tag = s[s.index(after: s.startIndex)..<gt]
            s = s[s.index(after: gt)...]
            if tag.hasPrefix("/") {
                if tag.dropFirst().trimmingCharacters(in: .whitespaces) == "style" { openStyle = false }
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            let name = try checkTag(selfClosing ? tag.dropLast() : tag)
            if !sawRoot {
                guard name == "svg" else { throw Refusal("The file does not start with an <svg> element.") }
                sawRoot = true
            }
            if name == "style" && !selfClosing { openStyle = true }
        }
        guard sawRoot else { throw Refusal("The file has no <svg> element.") }
    }

    /// Checks one start tag's inside (name and attributes); returns the element name.
    func checkTag(_ tag: Substring) throws(Refusal) -> String {
        var s = tag
        let name = String(s.prefix { $0.isLetter || $0.isNumber || ":_.-".contains($0) })
        guard !name.isEmpty else { throw Refusal("The SVG has a malformed tag.") }
        guard Self.svgElements.contains(name) else { throw Refusal("The SVG uses <\(name.prefix(40))>, which a logo may not hold.") }
        s = s.dropFirst(name.count)
        while true {
            s = s.drop { $0.isWhitespace }
            if s.isEmpty { return name }
            let attribute = String(s.prefix { $0.isLetter || $0.isNumber || ":_.-".contains($0) })
            guard !attribute.isEmpty else { throw Refusal("The SVG's <\(name)> has a malformed attribute.") }
            s = s.dropFirst(attribute.count).drop { $0.isWhitespace }
            guard s.first == "=" else { throw Refusal("The SVG's attribute \(attribute.prefix(40)) has no quoted value.") }
            s = s.dropFirst().drop { $0.isWhitespace }
            guard let quote = s.first, quote == "\"" || quote == "'" else { throw Refusal("The SVG's attribute \(attribute.prefix(40)) has no quoted value.") }
            s = s.dropFirst()
            guard let close = s.firstIndex(of: quote) else { throw Refusal("The SVG's attribute \(attribute.prefix(40)) is not closed.") }
            let value = s[..<close]
            s = s[s.index(after: close)...]
            let lower = attribute.lowercased()
            if lower.hasPrefix("on") { throw Refusal("The SVG has an event attribute (\(attribute.prefix(40))), which could run script.") }
            if lower == "href" || lower.hasSuffix(":href") {
                guard value.hasPrefix("#") else { throw Refusal("The SVG links outside itself (\(attribute.prefix(40))); only #fragments are allowed.") }
            }
            try checkText(value, inStyle: true)
        }
    }

    /// Text and attribute values: no character or entity references (the five XML escapes aside), and in
    /// CSS nothing that fetches or runs.
    func checkText(_ text: Substring, inStyle: Bool) throws(Refusal) {
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            let after = rest[amp...]
            guard ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(where: { after.hasPrefix($0) }) else {
                throw Refusal("The SVG uses a character or entity reference; write the characters themselves.")
            }
            rest = rest[rest.index(after: amp)...]
        }
        guard inStyle else { return }
        let squeezed = text.lowercased().filter { !$0.isWhitespace && $0 != "\\" }
        for banned in ["javascript:", "data:", "@import", "expression(", "behavior:", "-moz-binding"] where squeezed.contains(banned) {
            throw Refusal("The SVG contains \(banned), which a logo may not hold.")
        }
        var search = Substring(squeezed)
        while let url = search.range(of: "url(") {
            let target = search[url.upperBound...].drop { $0 == "\"" || $0 == "'" }
            guard target.hasPrefix("#") else { throw Refusal("The SVG refers to something outside itself with url(); only url(#…) is allowed.") }
            search = search[url.upperBound...]
        }
    }
}
