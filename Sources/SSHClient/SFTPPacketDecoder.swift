import NIOCore

/// Splits the server's byte stream into packets (`uint32 length`, then `length` bytes) and parses them.
///
/// A length of 0 or above ``maximumPacketLength`` is refused before any of the body is buffered, so a broken or
/// hostile server cannot make the client allocate gigabytes.
struct SFTPPacketDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = SFTPResponse

    /// 256 KiB of data (OpenSSH's `SFTP_MAX_MSG_LENGTH`, more than any READ of ours asks for) plus 1 KiB for the
    /// header of a DATA or NAME reply.
    static let maximumPacketLength = 256 * 1024 + 1024

    mutating func decode(buffer: inout ByteBuffer) throws -> SFTPResponse? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length >= 1, length <= Self.maximumPacketLength else {
            throw SFTPError.protocolViolation("the server announced a packet of \(length) bytes (1 to \(Self.maximumPacketLength) are allowed)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        var packet = buffer.readSlice(length: Int(length))!
        return try SFTPResponse(parsing: &packet)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> SFTPResponse? {
        try self.decode(buffer: &buffer)
    }
}
