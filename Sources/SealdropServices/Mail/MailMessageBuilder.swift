import Foundation
import SealdropCore

/// Builds complete RFC 5322 / MIME messages (text, or text and HTML alternatives); header injection is impossible by construction.
///
/// Every header value from user input passes through `headerText`, which drops CR, LF and other control
/// characters and RFC 2047-encodes non-ASCII text; bodies are base64 so no line can start a new header or
/// end the SMTP DATA phase.
public struct MailMessageBuilder: Sendable {
    /// The address notifications come from.
    public var from: String
    /// The host name used in Message-IDs.
    public var messageIdHost: String

    /// An image the HTML part shows by `cid:` (the logo): sent beside it in `multipart/related`.
    public struct InlineImage: Sendable, Equatable {
        public var contentID: String
        public var mediaType: String
        public var fileName: String
        public var bytes: [UInt8]

        public init(contentID: String, mediaType: String, fileName: String, bytes: [UInt8]) {
            self.contentID = contentID
            self.mediaType = mediaType
            self.fileName = fileName
            self.bytes = bytes
        }
    }

    public init(from: String, messageIdHost: String) {
        self.from = from
        self.messageIdHost = messageIdHost
    }

    /// A message to `to` with `subject` and a plain-text `body` only.
    public func build(to: [String], subject: String, body: String, fromName: String = "Sealdrop", date: Date = Date()) -> [UInt8] {
        build(to: to, subject: subject, text: body, html: nil, fromName: fromName, date: date)
    }

    /// A message to `to` with `subject`: `multipart/alternative` with the `text` and `html` parts, or
    /// `text/plain` alone when `html` is nil; with `inline`, the HTML part and the image form a
    /// `multipart/related` inside the alternative. Bodies are UTF-8, line breaks made CRLF, base64 in
    /// 76-character lines.
    public func build(to: [String], subject: String, text: String, html: String?, fromName: String = "Sealdrop",
                      inline: InlineImage? = nil, date: Date = Date()) -> [UInt8] {
        var lines: [String] = []
        lines.append("From: \(Self.headerText(fromName)) <\(Self.addressOnly(from))>")
        lines.append("To: " + to.map(Self.addressOnly).joined(separator: ", "))
        lines.append("Subject: \(Self.headerText(subject))")
        lines.append("Date: \(Self.rfc5322Date(date))")
        lines.append("Message-ID: <\(FileID.random().rawValue)\(FileID.random().rawValue)@\(Self.addressOnly(messageIdHost))>")
        lines.append("MIME-Version: 1.0")
        lines.append("Auto-Submitted: auto-generated")
        var out = lines.joined(separator: "\r\n") + "\r\n"
        guard let html else {
            out += Self.part(contentType: "text/plain; charset=utf-8", body: text)
            return Array(out.utf8)
        }
        // The boundary cannot occur in base64 lines: `=` followed by `_` is not base64.
        let boundary = "=_sealdrop_" + FileID.random().rawValue + FileID.random().rawValue
        out += "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n\r\n"
        out += "This is a multi-part message in MIME format.\r\n"
        out += "--\(boundary)\r\n" + Self.part(contentType: "text/plain; charset=utf-8", body: text)
        if let inline {
            let related = "=_sealdrop_related_" + FileID.random().rawValue
            out += "--\(boundary)\r\nContent-Type: multipart/related;\r\n boundary=\"\(related)\"; type=\"text/html\"\r\n\r\n"
            out += "--\(related)\r\n" + Self.part(contentType: "text/html; charset=utf-8", body: html)
            out += "--\(related)\r\n" + Self.imagePart(inline)
            out += "--\(related)--\r\n"
        } else {
            out += "--\(boundary)\r\n" + Self.part(contentType: "text/html; charset=utf-8", body: html)
        }
        out += "--\(boundary)--\r\n"
        return Array(out.utf8)
    }

    /// An inline image part: its type, Content-ID and name come from the server (never user text), the bytes base64.
    static func imagePart(_ image: InlineImage) -> String {
        var text = "Content-Type: \(addressOnly(image.mediaType))\r\nContent-Transfer-Encoding: base64\r\n"
        text += "Content-ID: <\(addressOnly(image.contentID))>\r\nContent-Disposition: inline; filename=\"\(addressOnly(image.fileName))\"\r\n\r\n"
        text += base64Lines(image.bytes)
        return text
    }

    /// `bytes` in base64, 76 characters and CRLF per line.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var text = ""
        text.reserveCapacity(encoded.count + encoded.count / 38 + 2)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            text += encoded[index..<end] + "\r\n"
            index = end
        }
        return text
    }

    /// `Content-Type` and `Content-Transfer-Encoding` headers, a blank line and the base64 body.
    static func part(contentType: String, body: String) -> String {
        var text = "Content-Type: \(contentType)\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        let canonical = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        return text + base64Lines(Array(canonical.utf8))
    }

    /// A header value safe to place after `Name: `: control characters dropped, non-ASCII or long text RFC 2047-encoded.
    public static func headerText(_ value: String) -> String {
        let cleaned = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        // Short ASCII stays readable; anything longer becomes encoded words, which fold into lines of at
        // most 76 characters (RFC 5322 §2.1.1 asks for 78) whatever the text, even without spaces.
        if cleaned.unicodeScalars.allSatisfy({ $0.isASCII }) && cleaned.count <= 62 { return cleaned }
        // Encoded words of at most 75 characters (45 base64 characters of payload), split on Unicode
        // scalar boundaries so even one very long grapheme cluster never makes an over-long word; the
        // first line also carries the header name.
        var words: [String] = []
        var chunk = String.UnicodeScalarView()
        for scalar in cleaned.unicodeScalars {
            var candidate = chunk
            candidate.append(scalar)
            if Data(String(candidate).utf8).base64EncodedString().count > 44, !chunk.isEmpty {
                words.append(String(chunk))
                chunk = String.UnicodeScalarView([scalar])
            } else {
                chunk = candidate
            }
        }
        if !chunk.isEmpty { words.append(String(chunk)) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// An address with everything but the addr-spec characters removed.
    static func addressOnly(_ address: String) -> String {
        String(address.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F && !"<>,;\"()".unicodeScalars.contains($0) }
            .map(Character.init))
    }

    /// The RFC 5322 date form in UTC, e.g. `Mon, 30 Nov 2026 15:42:38 +0000` (computed directly: a
    /// `DateFormatter` per message cost more than the rest of building it).
    static func rfc5322Date(_ date: Date) -> String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = Int(seconds - dayNumber * 86400)
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        let weekday = Int(((dayNumber % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[weekday]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }
}
