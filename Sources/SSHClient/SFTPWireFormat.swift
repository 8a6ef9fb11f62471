import NIOCore

/// The SSH data types SFTP uses (RFC 4251 §5): `string` is a uint32 length and that many bytes.
extension ByteBuffer {
    /// Reads a `string` as a slice of this buffer; nil (reader index unchanged) when incomplete.
    mutating func readSFTPString() -> ByteBuffer? {
        guard let length = self.getInteger(at: self.readerIndex, as: UInt32.self),
            Int(length) <= self.readableBytes - 4
        else { return nil }
        self.moveReaderIndex(forwardBy: 4)
        return self.readSlice(length: Int(length))
    }

    /// Reads a `string` and decodes it as UTF-8, replacing invalid bytes (file names need not be UTF-8).
    mutating func readSFTPText() -> String? {
        self.readSFTPString().map { String(buffer: $0) }
    }

    /// Appends `bytes` as a `string`.
    mutating func writeSFTPString(_ bytes: some Collection<UInt8>) {
        self.writeInteger(UInt32(bytes.count))
        self.writeBytes(bytes)
    }

    /// Appends the UTF-8 of `text` as a `string`.
    mutating func writeSFTPString(_ text: String) {
        self.writeSFTPString(Array(text.utf8))
    }
}
