import NIOCore

/// Frames the server's byte stream into complete ``SMTPReply`` values.
///
/// Lines end in CRLF (a bare LF is tolerated); a reply ends with the first line whose code is
/// followed by a space or nothing. Every line of one reply must carry the same code.
public struct SMTPReplyDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = SMTPReply

    /// Longest accepted reply line; RFC 5321 §4.5.3.1.5 allows 512 octets, servers exceed it.
    public static let maximumLineLength = 4096
    /// Most lines accepted in one reply (EHLO lists are the longest in practice).
    public static let maximumLineCount = 256

    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// Creates a decoder with no buffered lines.
    public init() {}

    /// Decodes one reply if the buffer holds all of it.
    public mutating func decode(buffer: inout ByteBuffer) throws -> SMTPReply? {
        while let line = try Self.readLine(from: &buffer) {
            let (code, isLast, text) = try Self.parse(line: line)
            if let pendingCode = self.pendingCode, pendingCode != code {
                throw SMTPReplyDecodingError(reason: "reply code changed from \(pendingCode) to \(code) inside one reply")
            }
            self.pendingCode = code
            self.pendingLines.append(text)
            if isLast {
                let reply = SMTPReply(code: code, lines: self.pendingLines)
                self.pendingCode = nil
                self.pendingLines = []
                return reply
            }
            if self.pendingLines.count >= Self.maximumLineCount {
                throw SMTPReplyDecodingError(reason: "reply has more than \(Self.maximumLineCount) lines")
            }
        }
        return nil
    }

    /// Decodes at end of stream; a partial reply left over is a protocol violation.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> SMTPReply? {
        if let reply = try self.decode(buffer: &buffer) { return reply }
        if buffer.readableBytes > 0 || self.pendingCode != nil {
            throw SMTPReplyDecodingError(reason: "connection closed in the middle of a reply")
        }
        return nil
    }

    /// Whether part of a multi-line reply has been read but not yet returned.
    public var hasPartialReply: Bool { self.pendingCode != nil }

    /// Removes one line (without its line ending) from the buffer, or returns `nil` if incomplete.
    private static func readLine(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength {
                throw SMTPReplyDecodingError(reason: "reply line longer than \(Self.maximumLineLength) octets")
            }
            return nil
        }
        let length = newline - view.startIndex
        if length > Self.maximumLineLength {
            throw SMTPReplyDecodingError(reason: "reply line longer than \(Self.maximumLineLength) octets")
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)!
        }
        return line
    }

    /// Splits `Reply-code ( "-" / SP / end ) text` into its parts.
    static func parse(line: ByteBuffer) throws -> (code: Int, isLast: Bool, text: String) {
        let bytes = Array(line.readableBytesView)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw SMTPReplyDecodingError(reason: "reply line does not start with a three-digit code")
        }
        let code = Int(bytes[0] - UInt8(ascii: "0")) * 100 + Int(bytes[1] - UInt8(ascii: "0")) * 10
            + Int(bytes[2] - UInt8(ascii: "0"))
        guard (200...599).contains(code) else {
            throw SMTPReplyDecodingError(reason: "reply code \(code) is outside 200-599")
        }
        if bytes.count == 3 { return (code, true, "") }
        let separator = bytes[3]
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPReplyDecodingError(reason: "reply code is not followed by a space or a hyphen")
        }
        let text = String(decoding: bytes[4...], as: UTF8.self)
        return (code, separator == UInt8(ascii: " "), text)
    }
}
