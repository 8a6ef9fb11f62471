import NIOCore

/// Cuts the server's byte stream into complete `LDAPMessage` TLVs, without decoding them.
///
/// Every LDAP PDU is one BER SEQUENCE (tag `0x30`) with a definite length (RFC 4511 §5.1). Anything
/// else is garbage and fails at once, as does a length above ``maximumMessageSize`` (before waiting
/// for the bytes), so a broken or hostile server cannot make the client buffer without bound.
public struct LDAPMessageFramer: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Default largest accepted PDU: 16 MiB (a search entry with large binary attributes fits).
    public static let defaultMaximumMessageSize = 16 * 1024 * 1024

    /// Largest accepted PDU in bytes, header included.
    public let maximumMessageSize: Int

    /// Creates a framer.
    public init(maximumMessageSize: Int = LDAPMessageFramer.defaultMaximumMessageSize) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Returns one complete PDU (tag, length and content) if the buffer holds all of it.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let tag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard tag == 0x30 else { throw LDAPFramingError.unexpectedTag(tag) }
        guard let first = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return nil }
        var headerLength = 2
        var contentLength: UInt64
        if first < 0x80 {
            contentLength = UInt64(first)
        } else if first == 0x80 {
            throw LDAPFramingError.indefiniteLength
        } else {
            let count = Int(first & 0x7F)
            // More than 8 length octets cannot be represented; 0xFF is reserved (X.690 §8.1.3.5).
            guard count <= 8 else { throw LDAPFramingError.messageTooLarge(length: UInt64.max, maximum: self.maximumMessageSize) }
            guard buffer.readableBytes >= 2 + count else { return nil }
            contentLength = 0
            for offset in 0..<count {
                let byte = buffer.getInteger(at: buffer.readerIndex + 2 + offset, as: UInt8.self)!
                guard contentLength >> 56 == 0 else {
                    throw LDAPFramingError.messageTooLarge(length: UInt64.max, maximum: self.maximumMessageSize)
                }
                contentLength = contentLength << 8 | UInt64(byte)
            }
            headerLength += count
        }
        guard contentLength <= UInt64(self.maximumMessageSize) else {
            throw LDAPFramingError.messageTooLarge(length: contentLength, maximum: self.maximumMessageSize)
        }
        let total = contentLength + UInt64(headerLength)
        guard total <= UInt64(self.maximumMessageSize) else {
            throw LDAPFramingError.messageTooLarge(length: total, maximum: self.maximumMessageSize)
        }
        guard buffer.readableBytes >= Int(total) else { return nil }
        return buffer.readSlice(length: Int(total))
    }

    /// At end of stream a partial PDU left over is an error.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        if let frame = try self.decode(buffer: &buffer) { return frame }
        if buffer.readableBytes > 0 { throw LDAPFramingError.truncated(bytes: buffer.readableBytes) }
        return nil
    }
}

/// Bytes that cannot be framed as LDAP messages; the client reports them as a protocol violation.
public enum LDAPFramingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The first octet of a PDU is not a SEQUENCE tag (`0x30`): not LDAP (TLS to a plain port, HTTP, noise).
    case unexpectedTag(UInt8)
    /// The indefinite length form, which LDAP forbids.
    case indefiniteLength
    /// A PDU longer than the configured maximum.
    case messageTooLarge(length: UInt64, maximum: Int)
    /// The connection ended inside a PDU.
    case truncated(bytes: Int)

    public var description: String {
        switch self {
        case .unexpectedTag(let tag):
            let hex = String(tag, radix: 16)
            return "the server sent a byte 0x\(hex.count == 1 ? "0" + hex : hex) where an LDAP message must start (0x30): it does not speak LDAP here"
        case .indefiniteLength: return "the server used an indefinite BER length, which LDAP forbids"
        case .messageTooLarge(let length, let maximum):
            let size = length == UInt64.max ? "an unrepresentable length" : "\(length) bytes"
            return "the server announced a message of \(size), more than the \(maximum) allowed"
        case .truncated(let bytes): return "the connection ended inside a message (\(bytes) bytes left over)"
        }
    }
}
