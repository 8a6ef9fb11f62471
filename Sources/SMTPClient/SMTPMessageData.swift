/// A message prepared for the DATA phase, plus the facts MAIL FROM parameters depend on.
///
/// Preparation (RFC 5321 §2.3.8, §4.5.2):
/// - line endings are normalised: a bare LF or bare CR becomes CRLF;
/// - the message ends with CRLF;
/// - every line starting with `.` gets one more `.` (dot-stuffing, "transparency");
/// - the end-of-data marker `.` CRLF is appended.
public struct SMTPMessageData: Sendable, Hashable {
    /// The bytes to write after the 354 reply, including the final `.` CRLF.
    public let wireBytes: [UInt8]
    /// The normalised message size in octets, before dot-stuffing (the SIZE= value, RFC 1870).
    public let size: Int
    /// Whether any octet is above 127 (needs BODY=8BITMIME, RFC 6152).
    public let contains8BitData: Bool
    /// Whether the header section has non-ASCII octets (needs SMTPUTF8, RFC 6531/6532).
    public let headerContainsNonASCII: Bool
    /// The longest line in octets, without CRLF (RFC 5321 §4.5.3.1.6 allows 998).
    public let longestLineLength: Int

    /// The longest line RFC 5321 allows, excluding CRLF.
    public static let maximumLineLength = 998

    /// Normalises, dot-stuffs and measures `message` in one pass.
    public init(_ message: [UInt8]) {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), dot = UInt8(ascii: ".")
        var wire: [UInt8] = []
        wire.reserveCapacity(message.count + message.count / 64 + 8)
        var size = 0
        var has8Bit = false
        var headerNonASCII = false
        var inHeader = true
        var lineLength = 0
        var longest = 0
        var atLineStart = true
        var index = message.startIndex

        /// Emits CRLF and closes the current line's bookkeeping.
        func endLine() {
            wire.append(cr)
            wire.append(lf)
            size += 2
            if inHeader && lineLength == 0 { inHeader = false }
            longest = max(longest, lineLength)
            lineLength = 0
            atLineStart = true
        }

        while index < message.endIndex {
            let byte = message[index]
            index += 1
            if byte == cr {
                // CRLF, or a bare CR: both end the line.
                if index < message.endIndex && message[index] == lf { index += 1 }
                endLine()
                continue
            }
            if byte == lf {
                endLine()
                continue
            }
            if atLineStart && byte == dot { wire.append(dot) }
            atLineStart = false
            if byte >= 0x80 {
                has8Bit = true
                if inHeader { headerNonASCII = true }
            }
            wire.append(byte)
            size += 1
            lineLength += 1
        }
        if !atLineStart { endLine() }
        wire.append(contentsOf: [dot, cr, lf])

        self.wireBytes = wire
        self.size = size
        self.contains8BitData = has8Bit
        self.headerContainsNonASCII = headerNonASCII
        self.longestLineLength = longest
    }
}
