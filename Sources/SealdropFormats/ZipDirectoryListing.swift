/// The entry names of a ZIP archive, read from its central directory alone (PKWARE APPNOTE 6.3.10):
/// never the entries themselves, so a caller fetches only the archive's tail and then its directory.
///
/// Two pure steps over bytes: `locate` finds the directory from the end-of-central-directory record in
/// the archive's last `maxTailSize` bytes (§4.3.16, ZIP64 §4.3.14–15 when the record points there), and
/// `names` walks the central file headers (§4.3.12). Anything damaged, multi-disk, or with an encrypted
/// central directory is a `Failure`; the caller shows no listing then.
public enum ZipDirectoryListing {
    /// The end record (22 bytes) plus the longest archive comment: where the record must be.
    public static let maxTailSize = 22 + 0xFFFF

    /// Where the central directory is, in archive offsets.
    public struct Location: Sendable, Equatable {
        public let offset: Int64
        public let size: Int
        public let entryCount: Int
    }

    /// The names found: the first `maxNames` file entries and how many file entries there are in all.
    /// Directory entries (names ending in `/`) are not listed; the files' paths already show them.
    public struct Listing: Sendable, Equatable {
        public var names: [String]
        public var fileCount: Int
    }

    /// Why there is no listing, for a debug log line.
    public struct Failure: Error, Equatable {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    static let endSignature: UInt32 = 0x0605_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let centralHeaderSignature: UInt32 = 0x0201_4B50
    static let unicodePathExtra: UInt16 = 0x7075

    /// Finds the central directory from `tail`, the last bytes of an archive of `archiveSize` bytes
    /// (at most `maxTailSize` are needed). A directory larger than `maxDirectorySize` is refused.
    public static func locate(tail: [UInt8], archiveSize: Int64, maxDirectorySize: Int) throws(Failure) -> Location {
        let tailStart = archiveSize - Int64(tail.count)
        guard tail.count >= 22, tailStart >= 0 else { throw Failure("too short for a ZIP") }
        // The last record whose comment length reaches exactly to the end: a signature inside the comment does not fit.
        var position = tail.count - 22
        let lowest = max(0, tail.count - maxTailSize)
        while position >= lowest {
            if u32(tail, position) == endSignature, position + 22 + Int(u16(tail, position + 20)) == tail.count { break }
            position -= 1
        }
        guard position >= lowest else { throw Failure("no end of central directory record") }
        var count = UInt64(u16(tail, position + 10))
        var size = UInt64(u32(tail, position + 12))
        var offset = UInt64(u32(tail, position + 16))
        var directoryEnd = tailStart + Int64(position)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let zip64 = try zip64End(tail, endPosition: position, tailStart: tailStart)
            (count, size, offset) = (zip64.count, zip64.size, zip64.offset)
            directoryEnd = tailStart + Int64(zip64.position)
        } else {
            guard u16(tail, position + 4) == 0, u16(tail, position + 6) == 0 else { throw Failure("multi-disk archive") }
        }
        guard size <= UInt64(maxDirectorySize) else { throw Failure("central directory larger than the limit") }
        // Each central header has at least 46 bytes: a count the size cannot hold is a lie.
        let end = UInt64(directoryEnd)
        guard count <= size / 46, offset <= end, size <= end - offset else {
            throw Failure("central directory size, count or offset inconsistent")
        }
        return Location(offset: Int64(offset), size: Int(size), entryCount: Int(count))
    }

    /// The ZIP64 end record the locator right before the end record points to; it must lie within `tail`.
    static func zip64End(_ tail: [UInt8], endPosition: Int, tailStart: Int64) throws(Failure) -> (count: UInt64, size: UInt64, offset: UInt64, position: Int) {
        let locator = endPosition - 20
        guard locator >= 0, u32(tail, locator) == zip64LocatorSignature, u32(tail, locator + 16) <= 1 else {
            throw Failure("ZIP64 end locator missing")
        }
        let recordOffset = u64(tail, locator + 8)
        guard recordOffset <= UInt64(Int64.max), Int64(recordOffset) >= tailStart else { throw Failure("ZIP64 end record out of reach") }
        let position = Int(Int64(recordOffset) - tailStart)
        guard position + 56 <= locator, u32(tail, position) == zip64EndSignature else { throw Failure("ZIP64 end record damaged") }
        guard u32(tail, position + 16) == 0, u32(tail, position + 20) == 0 else { throw Failure("multi-disk archive") }
        return (u64(tail, position + 32), u64(tail, position + 40), u64(tail, position + 48), position)
    }

    /// The names of the `entryCount` central file headers at the start of `directory`, the first
    /// `maxNames` of them kept. Names are UTF-8 when flag bit 11 says so or an Info-ZIP Unicode Path
    /// field (0x7075) matches the header's name, otherwise code page 437 (APPNOTE appendix D).
    public static func names(directory: [UInt8], entryCount: Int, maxNames: Int) throws(Failure) -> Listing {
        var listing = Listing(names: [], fileCount: 0)
        var offset = 0
        for _ in 0..<entryCount {
            guard offset + 46 <= directory.count, u32(directory, offset) == centralHeaderSignature else { throw Failure("central directory damaged") }
            let flags = u16(directory, offset + 8)
            let nameLength = Int(u16(directory, offset + 28))
            let extraLength = Int(u16(directory, offset + 30))
            let commentLength = Int(u16(directory, offset + 32))
            let nameStart = offset + 46
            let extraStart = nameStart + nameLength
            offset = extraStart + extraLength + commentLength
            guard offset <= directory.count else { throw Failure("central directory damaged") }
            // Bit 13: the central directory is encrypted and its names are masked.
            guard flags & (1 << 13) == 0 else { throw Failure("central directory encrypted") }
            let raw = directory[nameStart..<extraStart]
            guard raw.last != UInt8(ascii: "/") else { continue }
            listing.fileCount += 1
            guard listing.names.count < maxNames else { continue }
            if flags & (1 << 11) != 0 {
                listing.names.append(String(decoding: raw, as: UTF8.self))
            } else if let unicode = unicodePath(directory[extraStart..<extraStart + extraLength], rawName: raw) {
                listing.names.append(unicode)
            } else {
                listing.names.append(CP437.decode(raw))
            }
        }
        return listing
    }

    /// The Info-ZIP Unicode Path extra field's name, when its CRC-32 is that of the header's own name (else it is stale).
    static func unicodePath(_ extra: ArraySlice<UInt8>, rawName: ArraySlice<UInt8>) -> String? {
        let bytes = Array(extra)
        var position = 0
        while position + 4 <= bytes.count {
            let id = u16(bytes, position)
            let length = Int(u16(bytes, position + 2))
            let data = position + 4
            guard data + length <= bytes.count else { return nil }
            if id == unicodePathExtra, length >= 5, bytes[data] == 1, u32(bytes, data + 1) == CRC32.checksum(Array(rawName)) {
                return String(decoding: bytes[(data + 5)..<(data + length)], as: UTF8.self)
            }
            position = data + length
        }
        return nil
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}
