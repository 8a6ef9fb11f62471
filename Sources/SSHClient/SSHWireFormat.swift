/// The data types of RFC 4251 §5 as this module reads them from key files and the server's KEXINIT:
///
///     uint32     four bytes, big-endian
///     string     uint32 length, then that many bytes
///     name-list  a string of comma-separated names
///     mpint      a string holding a two's-complement big-endian integer, no needless leading zero
struct SSHWireReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    /// Reads from the start of `bytes`.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// How many bytes are left.
    var remaining: Int { self.bytes.count - self.offset }

    /// Whether every byte was read.
    var isAtEnd: Bool { self.remaining == 0 }

    /// One byte.
    mutating func readByte() throws(SSHWireError) -> UInt8 {
        try self.readBytes(1)[0]
    }

    /// A big-endian uint32.
    mutating func readUInt32() throws(SSHWireError) -> UInt32 {
        let raw = try self.readBytes(4)
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Exactly `count` bytes.
    mutating func readBytes(_ count: Int) throws(SSHWireError) -> [UInt8] {
        guard count >= 0, count <= self.remaining else {
            throw SSHWireError("a field of \(count) bytes runs past the end (\(self.remaining) left)")
        }
        defer { self.offset += count }
        return Array(self.bytes[self.offset..<(self.offset + count)])
    }

    /// A `string` as bytes.
    mutating func readString() throws(SSHWireError) -> [UInt8] {
        let length = try self.readUInt32()
        return try self.readBytes(Int(length))
    }

    /// A `string` that must be UTF-8 text.
    mutating func readText() throws(SSHWireError) -> String {
        let raw = try self.readString()
        guard let text = String(validating: raw, as: UTF8.self) else { throw SSHWireError("a text field is not UTF-8") }
        return text
    }

    /// A `name-list`.
    mutating func readNameList() throws(SSHWireError) -> [String] {
        let text = try self.readText()
        return text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// An `mpint` that must not be negative, as its magnitude without leading zeros.
    mutating func readUnsignedMPInt() throws(SSHWireError) -> [UInt8] {
        let raw = try self.readString()
        if let first = raw.first, first & 0x80 != 0 { throw SSHWireError("a negative mpint where a key scalar belongs") }
        return Array(raw.drop(while: { $0 == 0 }))
    }

    /// Everything not read yet.
    mutating func readRest() -> [UInt8] {
        defer { self.offset = self.bytes.count }
        return Array(self.bytes[self.offset...])
    }
}

/// Writes the RFC 4251 §5 data types.
struct SSHWireWriter {
    /// What was written so far.
    private(set) var bytes: [UInt8] = []

    /// Appends raw bytes.
    mutating func writeBytes(_ raw: some Sequence<UInt8>) {
        self.bytes.append(contentsOf: raw)
    }

    /// Appends a big-endian uint32.
    mutating func writeUInt32(_ value: UInt32) {
        self.bytes.append(contentsOf: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    /// Appends a `string`.
    mutating func writeString(_ raw: some Collection<UInt8>) {
        self.writeUInt32(UInt32(raw.count))
        self.bytes.append(contentsOf: raw)
    }

    /// Appends a `string` holding UTF-8 text.
    mutating func writeString(_ text: String) {
        self.writeString(Array(text.utf8))
    }

    /// Appends a non-negative `mpint` given as a big-endian magnitude.
    mutating func writeUnsignedMPInt(_ magnitude: some Collection<UInt8>) {
        var trimmed = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = trimmed.first, first & 0x80 != 0 { trimmed.insert(0, at: 0) }
        self.writeString(trimmed)
    }
}

/// A field that does not parse; the message says which and why.
struct SSHWireError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
