import SealdropCore

/// Byte layouts of the ZIP records the streaming writer emits (PKWARE APPNOTE 6.3.x, stored entries only).
///
/// Every entry sets general-purpose bits 3 (sizes and CRC follow in a data descriptor) and 11
/// (UTF-8 name). An entry "uses ZIP64" when its size or offset does not fit 32 bits, or when the
/// writer is told to always use it; such an entry carries ZIP64 extra fields in both headers and
/// 8-byte sizes in its data descriptor.
enum ZipRecord {
    static let localHeaderSignature: UInt32 = 0x0403_4B50
    static let dataDescriptorSignature: UInt32 = 0x0807_4B50
    static let centralHeaderSignature: UInt32 = 0x0201_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let endSignature: UInt32 = 0x0605_4B50

    static let flags: UInt16 = 1 << 3 | 1 << 11
    static let versionDefault: UInt16 = 20
    static let versionZip64: UInt16 = 45
    static let madeByUnix: UInt16 = 3 << 8
    /// Regular file, mode 0644, in the Unix half of the external attributes.
    static let externalAttributes: UInt32 = 0o100644 << 16
    static let max16: UInt64 = 0xFFFF
    static let max32: UInt64 = 0xFFFF_FFFF

    static func localHeaderSize(nameLength: Int, zip64: Bool) -> UInt64 { UInt64(30 + nameLength + (zip64 ? 20 : 0)) }
    static func dataDescriptorSize(zip64: Bool) -> UInt64 { zip64 ? 24 : 16 }
    static func centralHeaderSize(nameLength: Int, zip64: Bool) -> UInt64 { UInt64(46 + nameLength + (zip64 ? 28 : 0)) }
    static let zip64EndSize: UInt64 = 56
    static let zip64LocatorSize: UInt64 = 20
    static let endSize: UInt64 = 22

    /// What the central directory needs to know about one finished entry.
    struct Entry: Sendable {
        var name: [UInt8]
        var size: UInt64
        var crc: UInt32
        var offset: UInt64
        var dosTime: UInt16
        var dosDate: UInt16
        var zip64: Bool
    }

    /// Local file header; CRC and sizes are zero (they follow in the data descriptor).
    static func localHeader(_ e: Entry) -> [UInt8] {
        var b = [UInt8]()
        b.reserveCapacity(Int(localHeaderSize(nameLength: e.name.count, zip64: e.zip64)))
        b.le(localHeaderSignature)
        b.le(e.zip64 ? versionZip64 : versionDefault)
        b.le(flags)
        b.le(UInt16(0))  // stored
        b.le(e.dosTime)
        b.le(e.dosDate)
        b.le(UInt32(0))  // CRC-32: in the data descriptor
        b.le(e.zip64 ? UInt32(max32) : 0)
        b.le(e.zip64 ? UInt32(max32) : 0)
        b.le(UInt16(e.name.count))
        b.le(UInt16(e.zip64 ? 20 : 0))
        b += e.name
        if e.zip64 {
            b.le(UInt16(0x0001))
            b.le(UInt16(16))
            b.le(UInt64(0))  // original size: in the data descriptor
            b.le(UInt64(0))  // compressed size: in the data descriptor
        }
        return b
    }

    /// Data descriptor with signature; 8-byte sizes for ZIP64 entries.
    static func dataDescriptor(_ e: Entry) -> [UInt8] {
        var b = [UInt8]()
        b.le(dataDescriptorSignature)
        b.le(e.crc)
        if e.zip64 {
            b.le(e.size)
            b.le(e.size)
        } else {
            b.le(UInt32(e.size))
            b.le(UInt32(e.size))
        }
        return b
    }

    /// Central directory file header; ZIP64 entries put size, size and offset in the extra field.
    static func centralHeader(_ e: Entry) -> [UInt8] {
        var b = [UInt8]()
        b.reserveCapacity(Int(centralHeaderSize(nameLength: e.name.count, zip64: e.zip64)))
        let version = e.zip64 ? versionZip64 : versionDefault
        b.le(centralHeaderSignature)
        b.le(madeByUnix | version)
        b.le(version)
        b.le(flags)
        b.le(UInt16(0))
        b.le(e.dosTime)
        b.le(e.dosDate)
        b.le(e.crc)
        b.le(e.zip64 ? UInt32(max32) : UInt32(e.size))
        b.le(e.zip64 ? UInt32(max32) : UInt32(e.size))
        b.le(UInt16(e.name.count))
        b.le(UInt16(e.zip64 ? 28 : 0))
        b.le(UInt16(0))  // comment length
        b.le(UInt16(0))  // disk number start
        b.le(UInt16(0))  // internal attributes
        b.le(externalAttributes)
        b.le(e.zip64 ? UInt32(max32) : UInt32(e.offset))
        b += e.name
        if e.zip64 {
            b.le(UInt16(0x0001))
            b.le(UInt16(24))
            b.le(e.size)
            b.le(e.size)
            b.le(e.offset)
        }
        return b
    }

    /// ZIP64 end of central directory record followed by its locator.
    static func zip64End(entryCount: UInt64, directorySize: UInt64, directoryOffset: UInt64) -> [UInt8] {
        var b = [UInt8]()
        b.le(zip64EndSignature)
        b.le(UInt64(zip64EndSize - 12))  // size of the rest of the record
        b.le(madeByUnix | versionZip64)
        b.le(versionZip64)
        b.le(UInt32(0))  // this disk
        b.le(UInt32(0))  // disk with the central directory
        b.le(entryCount)
        b.le(entryCount)
        b.le(directorySize)
        b.le(directoryOffset)
        b.le(zip64LocatorSignature)
        b.le(UInt32(0))  // disk with the ZIP64 end record
        b.le(directoryOffset + directorySize)  // offset of the ZIP64 end record
        b.le(UInt32(1))  // total disks
        return b
    }

    /// End of central directory record; fields that overflow hold their all-ones marker.
    static func end(entryCount: UInt64, directorySize: UInt64, directoryOffset: UInt64) -> [UInt8] {
        var b = [UInt8]()
        b.le(endSignature)
        b.le(UInt16(0))
        b.le(UInt16(0))
        b.le(UInt16(min(entryCount, max16)))
        b.le(UInt16(min(entryCount, max16)))
        b.le(UInt32(min(directorySize, max32)))
        b.le(UInt32(min(directoryOffset, max32)))
        b.le(UInt16(0))  // comment length
        return b
    }

    /// Whether the archive needs the ZIP64 end records.
    static func needsZip64End(entryCount: UInt64, directorySize: UInt64, directoryOffset: UInt64, always: Bool) -> Bool {
        always || entryCount >= max16 || directorySize >= max32 || directoryOffset >= max32
    }

    /// MS-DOS date and time of `civil`, clamped to the representable years 1980–2107.
    static func dosDateTime(_ civil: CivilDateTime) -> (time: UInt16, date: UInt16) {
        if civil.year < 1980 { return (0, 1 << 5 | 1) }
        if civil.year > 2107 { return (23 << 11 | 59 << 5 | 29, 127 << 9 | 12 << 5 | 31) }
        let time = civil.hour << 11 | civil.minute << 5 | civil.second / 2
        let date = (civil.year - 1980) << 9 | civil.month << 5 | civil.day
        return (UInt16(time), UInt16(date))
    }

    /// The name's UTF-8 bytes, cut on a character boundary to the 65,535 bytes a header can hold.
    static func encodedName(_ name: String) -> [UInt8] {
        let utf8 = Array(name.utf8)
        guard utf8.count > Int(max16) else { return utf8 }
        return Array(FileName.truncated(name, toUTF8Bytes: Int(max16)).utf8)
    }
}

extension [UInt8] {
    /// Appends `value` in little-endian byte order.
    fileprivate mutating func le<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
