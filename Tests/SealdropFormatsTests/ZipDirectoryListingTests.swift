import Foundation
import Testing

@testable import SealdropFormats

/// `ZipDirectoryListing` on archives from `ZipStreamWriter` and on hand-built ones: names in UTF-8 and
/// code page 437, comments, ZIP64, and every way an archive can be broken or lie about its directory.
@Suite struct ZipDirectoryListingTests {
    /// A central-directory entry of a hand-built archive.
    struct Entry {
        var name: [UInt8]
        var flags: UInt16 = 0
        var extra: [UInt8] = []

        init(_ name: String, flags: UInt16 = 1 << 11) {
            self.name = Array(name.utf8)
            self.flags = flags
        }

        init(bytes: [UInt8], flags: UInt16 = 0, extra: [UInt8] = []) {
            self.name = bytes
            self.flags = flags
            self.extra = extra
        }
    }

    /// Some opaque "entry data", then the central headers of `entries`, then the end record with `comment`.
    static func archive(_ entries: [Entry], comment: [UInt8] = [], declaredCount: Int? = nil, declaredSize: UInt32? = nil) -> [UInt8] {
        var out = Array(repeating: UInt8(0x55), count: 100)
        let directoryOffset = out.count
        for e in entries {
            out.le(UInt32(0x0201_4B50))
            out.le(UInt16(0x0314))
            out.le(UInt16(20))
            out.le(e.flags)
            out += Array(repeating: 0, count: 18)  // method, time, date, CRC, sizes
            out.le(UInt16(e.name.count))
            out.le(UInt16(e.extra.count))
            out += Array(repeating: 0, count: 14)  // comment length, disk, attributes, local offset
            out += e.name
            out += e.extra
        }
        let size = out.count - directoryOffset
        out.le(UInt32(0x0605_4B50))
        out.le(UInt32(0))
        out.le(UInt16(declaredCount ?? entries.count))
        out.le(UInt16(declaredCount ?? entries.count))
        out.le(declaredSize ?? UInt32(size))
        out.le(UInt32(directoryOffset))
        out.le(UInt16(comment.count))
        out += comment
        return out
    }

    /// The listing of a whole archive in memory, read as the finalize path reads it: tail, then directory.
    static func listing(_ archive: [UInt8], maxNames: Int = 200, maxDirectorySize: Int = 1 << 20) throws(ZipDirectoryListing.Failure) -> ZipDirectoryListing.Listing {
        let tail = Array(archive.suffix(ZipDirectoryListing.maxTailSize))
        let location = try ZipDirectoryListing.locate(tail: tail, archiveSize: Int64(archive.count), maxDirectorySize: maxDirectorySize)
        let start = Int(location.offset)
        return try ZipDirectoryListing.names(directory: Array(archive[start..<start + location.size]), entryCount: location.entryCount, maxNames: maxNames)
    }

    static func written(_ names: [String], zip64: ZipStreamWriter.Zip64Mode = .automatic) throws -> [UInt8] {
        var writer = ZipStreamWriter(zip64: zip64, timeZone: TimeZone(secondsFromGMT: 0)!)
        var out: [UInt8] = []
        for name in names {
            let bytes = Array("content of \(name)".utf8)
            out += writer.beginEntry(name: name, size: UInt64(bytes.count), modified: Date(timeIntervalSince1970: 1_716_361_031))
            writer.entryData(bytes)
            out += bytes
            out += try writer.endEntry()
        }
        return out + writer.finish()
    }

    @Test func namesOfAWrittenArchiveInOrder() throws {
        let names = ["readme.txt", "Prüfbericht 2024 – Ä.pdf", "日本語/ファイル.bin", "emoji 📎.txt"]
        let listing = try Self.listing(try Self.written(names))
        #expect(listing == .init(names: names, fileCount: 4))
    }

    @Test func directoriesAreNotListed() throws {
        let listing = try Self.listing(Self.archive([Entry("docs/"), Entry("docs/a.txt"), Entry("docs/sub/"), Entry("b.txt")]))
        #expect(listing == .init(names: ["docs/a.txt", "b.txt"], fileCount: 2))
    }

    @Test func namesWithoutTheUTF8FlagAreCodePage437() throws {
        // "Prüfung.txt" and "Ärger ½.doc" as an old Windows tool writes them.
        let archive = Self.archive([Entry(bytes: Array("Pr".utf8) + [0x81] + Array("fung.txt".utf8)),
                                    Entry(bytes: [0x8E] + Array("rger ".utf8) + [0xAB] + Array(".doc".utf8))])
        #expect(try Self.listing(archive).names == ["Prüfung.txt", "Ärger ½.doc"])
        #expect(CP437.upper.count == 128)
        #expect(CP437.decode((0x80...0xFF).map { UInt8($0) }) == String(decoding: Self.pythonCP437Upper, as: UTF8.self))
    }

    /// Python's `bytes(range(0x80, 0x100)).decode("cp437")`, UTF-8 encoded.
    static let pythonCP437Upper = Array(
        "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{A0}".utf8)

    @Test func anInfoZIPUnicodePathWinsOnlyWhenItMatchesTheName() throws {
        let raw = Array("Pr?fung.txt".utf8)
        func unicodeExtra(crcOf name: [UInt8]) -> [UInt8] {
            let utf8 = Array("Prüfung.txt".utf8)
            var extra: [UInt8] = []
            extra.le(UInt16(0x7075))
            extra.le(UInt16(5 + utf8.count))
            extra.append(1)
            extra.le(CRC32.checksum(name))
            return extra + utf8
        }
        let matching = Self.archive([Entry(bytes: raw, extra: unicodeExtra(crcOf: raw))])
        #expect(try Self.listing(matching).names == ["Prüfung.txt"])
        let stale = Self.archive([Entry(bytes: raw, extra: unicodeExtra(crcOf: Array("other".utf8)))])
        #expect(try Self.listing(stale).names == ["Pr?fung.txt"])
    }

    @Test func invalidUTF8IsReplacedNotRefused() throws {
        let archive = Self.archive([Entry(bytes: Array("bad".utf8) + [0xFF, 0xFE] + Array(".txt".utf8), flags: 1 << 11)])
        #expect(try Self.listing(archive).names == ["bad\u{FFFD}\u{FFFD}.txt"])
    }

    @Test func anArchiveCommentIsSkippedEvenWhenItHoldsAnEndSignature() throws {
        let comment = Array("Made by a tool PK".utf8) + [0x05, 0x06] + Array(repeating: UInt8(ascii: "x"), count: 40)
        let listing = try Self.listing(Self.archive([Entry("a.txt"), Entry("b.txt")], comment: comment))
        #expect(listing.names == ["a.txt", "b.txt"])
        // The longest comment there can be still leaves the record within the tail.
        let longest = Self.archive([Entry("a.txt")], comment: Array(repeating: UInt8(ascii: "c"), count: 0xFFFF))
        #expect(try Self.listing(longest).names == ["a.txt"])
    }

    @Test func zip64EndRecordsAreFollowed() throws {
        var archive = try Self.written(["big.iso", "small.txt"], zip64: .always)
        // Mark the classic end record's fields as "see ZIP64", as a writer of a > 4 GiB archive does.
        let end = archive.count - 22
        for i in 8..<20 { archive[end + i] = 0xFF }
        #expect(try Self.listing(archive) == .init(names: ["big.iso", "small.txt"], fileCount: 2))
        // Offsets near the top of the 64-bit range are refused, not overflowed.
        let record = end - 20 - 56
        for huge: UInt64 in [.max, UInt64(Int64.max) - 10] {
            var lying = archive
            withUnsafeBytes(of: huge.littleEndian) { lying.replaceSubrange(record + 48..<record + 56, with: $0) }
            #expect(throws: ZipDirectoryListing.Failure.self) { _ = try Self.listing(lying) }
        }
        // Without the locator the markers cannot be resolved.
        var noLocator = archive
        noLocator[end - 20] = 0
        #expect(throws: ZipDirectoryListing.Failure.self) { _ = try Self.listing(noLocator) }
    }

    @Test func moreThanTheLimitAreCountedNotListed() throws {
        let names = (1...250).map { "file-\($0).txt" }
        let listing = try Self.listing(Self.archive(names.map { Entry($0) }))
        #expect(listing.names == Array(names.prefix(200)))
        #expect(listing.fileCount == 250)
    }

    @Test func notAZipIsRefused() {
        for bytes in [[], Array("just some text, no archive here".utf8), Array(repeating: UInt8(0), count: 100_000),
                      Array("PK\u{3}\u{4} looks like a local header but has no end".utf8)] {
            #expect(throws: ZipDirectoryListing.Failure.self) { _ = try Self.listing(bytes) }
        }
    }

    @Test func truncatedArchivesAreRefused() throws {
        let archive = Self.archive([Entry("a.txt"), Entry("b.txt")])
        // Cut anywhere: the end record is gone, or the directory no longer fits before it.
        for cut in [1, 10, 22, 30] {
            #expect(throws: ZipDirectoryListing.Failure.self) { _ = try Self.listing(Array(archive.dropLast(cut))) }
        }
        // A directory shorter than its headers say.
        var location = try ZipDirectoryListing.locate(tail: archive, archiveSize: Int64(archive.count), maxDirectorySize: 1 << 20)
        let directory = Array(archive[Int(location.offset)..<Int(location.offset) + location.size])
        #expect(throws: ZipDirectoryListing.Failure("central directory damaged")) {
            _ = try ZipDirectoryListing.names(directory: Array(directory.dropLast(3)), entryCount: 2, maxNames: 200)
        }
        location = ZipDirectoryListing.Location(offset: location.offset, size: location.size, entryCount: 3)
        #expect(throws: ZipDirectoryListing.Failure.self) {
            _ = try ZipDirectoryListing.names(directory: directory, entryCount: location.entryCount, maxNames: 200)
        }
    }

    @Test func aHugeOrInconsistentDirectoryIsRefusedBeforeReadingIt() {
        let entries = [Entry("a.txt")]
        // Claims 2 GiB: refused on the claim alone, nothing is read.
        #expect(throws: ZipDirectoryListing.Failure("central directory larger than the limit")) {
            _ = try Self.listing(Self.archive(entries, declaredSize: 0x7FFF_FFFF))
        }
        // Within the limit but larger than what lies before the end record.
        #expect(throws: ZipDirectoryListing.Failure.self) { _ = try Self.listing(Self.archive(entries, declaredSize: 100_000)) }
        // More entries than the directory's size can hold.
        #expect(throws: ZipDirectoryListing.Failure.self) { _ = try Self.listing(Self.archive(entries, declaredCount: 60_000)) }
        // A real directory over the caller's limit.
        let many = Self.archive((1...100).map { Entry("file-\($0).txt") })
        #expect(throws: ZipDirectoryListing.Failure("central directory larger than the limit")) { _ = try Self.listing(many, maxDirectorySize: 1000) }
    }

    @Test func anEncryptedCentralDirectoryIsRefusedButEncryptedEntriesAreListed() throws {
        #expect(throws: ZipDirectoryListing.Failure("central directory encrypted")) {
            _ = try Self.listing(Self.archive([Entry("a.txt", flags: 1 << 13 | 1)]))
        }
        // Bit 0 encrypts an entry's data, not its name.
        #expect(try Self.listing(Self.archive([Entry("secret.txt", flags: 1 << 11 | 1)])).names == ["secret.txt"])
    }
}

extension [UInt8] {
    /// Appends `value` in little-endian byte order.
    fileprivate mutating func le<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
