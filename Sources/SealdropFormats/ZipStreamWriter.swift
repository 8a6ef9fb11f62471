import Foundation
import SealdropCore

/// Writes a ZIP archive of stored (uncompressed) entries as a stream, with exactly predictable length.
///
/// The writer only produces headers; the caller sends the entry bytes itself:
///
///     var zip = ZipStreamWriter()
///     send(zip.beginEntry(name: "a.txt", size: 3, modified: date))
///     zip.entryData(bytes); send(bytes)
///     send(try zip.endEntry())
///     send(zip.finish())
///
/// ``archiveSize(entries:zip64:)`` gives the total byte count in advance for `Content-Length`.
/// Entry names are written as given (UTF-8); make them safe with ``FileName/zipEntryName(_:)``.
public struct ZipStreamWriter: Sendable {
    /// When entries get ZIP64 extra fields and the archive the ZIP64 end records.
    public enum Zip64Mode: Sendable, Equatable {
        /// Only where a size, offset or count does not fit the classic fields (most compatible).
        case automatic
        /// For every entry and the archive, whatever the sizes.
        case always
    }

    /// Errors of a caller that fed different data than announced.
    public enum Failure: Error, Equatable {
        /// The bytes passed to `entryData` did not add up to the size given to `beginEntry`.
        case sizeMismatch(declared: UInt64, actual: UInt64)
    }

    private struct OpenEntry {
        var record: ZipRecord.Entry
        var crc = CRC32()
        var counted: UInt64 = 0
    }

    /// The ZIP64 policy this writer follows.
    public let zip64Mode: Zip64Mode
    /// Zone of the MS-DOS timestamps (ZIP stores local wall-clock time without a zone).
    public let timeZone: TimeZone
    /// Bytes of the archive produced so far, entry data included.
    public private(set) var bytesWritten: UInt64 = 0

    private var entries: [ZipRecord.Entry] = []
    private var open: OpenEntry?
    private var finished = false

    /// A writer for a new, empty archive.
    public init(zip64: Zip64Mode = .automatic, timeZone: TimeZone = .current) {
        self.zip64Mode = zip64
        self.timeZone = timeZone
    }

    /// Starts an entry of exactly `size` bytes and returns its local file header.
    public mutating func beginEntry(name: String, size: UInt64, modified: Date) -> [UInt8] {
        precondition(open == nil && !finished, "beginEntry needs a finished previous entry and an unfinished archive")
        let civil = CivilDateTime(modified, offsetSeconds: timeZone.secondsFromGMT(for: modified))
        let (dosTime, dosDate) = ZipRecord.dosDateTime(civil)
        let record = ZipRecord.Entry(
            name: ZipRecord.encodedName(name), size: size, crc: 0, offset: bytesWritten,
            dosTime: dosTime, dosDate: dosDate,
            zip64: Self.entryUsesZip64(size: size, offset: bytesWritten, mode: zip64Mode))
        open = OpenEntry(record: record)
        return emit(ZipRecord.localHeader(record))
    }

    /// Accounts for bytes of the open entry that the caller sends (CRC and length).
    public mutating func entryData(_ bytes: UnsafeRawBufferPointer) {
        precondition(open != nil, "entryData needs an open entry")
        open!.crc.update(bytes)
        open!.counted += UInt64(bytes.count)
        bytesWritten += UInt64(bytes.count)
    }

    /// Accounts for bytes of the open entry that the caller sends (CRC and length).
    public mutating func entryData(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { entryData($0) }
    }

    /// Closes the open entry and returns its data descriptor; throws when the data length differs from the declared size.
    public mutating func endEntry() throws(Failure) -> [UInt8] {
        guard let entry = open else { preconditionFailure("endEntry needs an open entry") }
        open = nil
        guard entry.counted == entry.record.size else {
            throw .sizeMismatch(declared: entry.record.size, actual: entry.counted)
        }
        var record = entry.record
        record.crc = entry.crc.value
        entries.append(record)
        return emit(ZipRecord.dataDescriptor(record))
    }

    /// Returns the central directory and end records; the archive is complete afterwards.
    public mutating func finish() -> [UInt8] {
        precondition(open == nil && !finished, "finish needs all entries ended, and only once")
        finished = true
        let directoryOffset = bytesWritten
        var bytes = entries.flatMap(ZipRecord.centralHeader)
        let directorySize = UInt64(bytes.count)
        let count = UInt64(entries.count)
        if ZipRecord.needsZip64End(
            entryCount: count, directorySize: directorySize, directoryOffset: directoryOffset,
            always: zip64Mode == .always)
        {
            bytes += ZipRecord.zip64End(entryCount: count, directorySize: directorySize, directoryOffset: directoryOffset)
        }
        bytes += ZipRecord.end(entryCount: count, directorySize: directorySize, directoryOffset: directoryOffset)
        return emit(bytes)
    }

    /// The exact length of the archive a writer in `zip64` mode produces for these entries, in order.
    public static func archiveSize(entries: [(name: String, size: UInt64)], zip64: Zip64Mode = .automatic) -> UInt64 {
        var offset: UInt64 = 0
        var directorySize: UInt64 = 0
        for entry in entries {
            let nameLength = ZipRecord.encodedName(entry.name).count
            let usesZip64 = entryUsesZip64(size: entry.size, offset: offset, mode: zip64)
            offset += ZipRecord.localHeaderSize(nameLength: nameLength, zip64: usesZip64) + entry.size
                + ZipRecord.dataDescriptorSize(zip64: usesZip64)
            directorySize += ZipRecord.centralHeaderSize(nameLength: nameLength, zip64: usesZip64)
        }
        var total = offset + directorySize + ZipRecord.endSize
        if ZipRecord.needsZip64End(
            entryCount: UInt64(entries.count), directorySize: directorySize, directoryOffset: offset,
            always: zip64 == .always)
        {
            total += ZipRecord.zip64EndSize + ZipRecord.zip64LocatorSize
        }
        return total
    }

    private static func entryUsesZip64(size: UInt64, offset: UInt64, mode: Zip64Mode) -> Bool {
        mode == .always || size >= ZipRecord.max32 || offset >= ZipRecord.max32
    }

    private mutating func emit(_ bytes: [UInt8]) -> [UInt8] {
        bytesWritten += UInt64(bytes.count)
        return bytes
    }
}
