import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small, bounded reader of ZIP archives held in memory (APPNOTE 6.3.x, the subset uploads need):
/// the central directory, then each entry stored (method 0) or deflated (method 8, raw inflate by the
/// system zlib). Anything else, and every trick an archive can play, is refused with a `ZipReader.Failure`.
///
/// Limits are checked against what is really produced, not what the headers claim: a zip bomb stops at
/// `maxEntrySize` / `maxTotalSize` however small its declared sizes are.
public struct ZipReader: Sendable {
    /// One file of the archive, already read.
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var bytes: [UInt8]
    }

    /// Why an archive was refused, in words for the administrator.
    public struct Failure: Error, Equatable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    public var maxEntries = 200
    public var maxEntrySize = 2 * 1024 * 1024
    public var maxTotalSize = 16 * 1024 * 1024

    public init() {}

    /// The files of `archive`, directories left out, in central-directory order.
    public func entries(of archive: [UInt8]) throws(Failure) -> [Entry] {
        let directory = try centralDirectory(archive)
        var entries: [Entry] = []
        var total = 0
        var seen = Set<String>()
        var offset = directory.offset
        for _ in 0..<directory.count {
            guard offset + 46 <= archive.count, Self.u32(archive, offset) == 0x0201_4B50 else { throw Failure("The ZIP's central directory is damaged.") }
            let flags = Self.u16(archive, offset + 8)
            let method = Self.u16(archive, offset + 10)
            let crc = Self.u32(archive, offset + 16)
            let compressedSize = Int(Self.u32(archive, offset + 20))
            let declaredSize = Int(Self.u32(archive, offset + 24))
            let nameLength = Int(Self.u16(archive, offset + 28))
            let extraLength = Int(Self.u16(archive, offset + 30))
            let commentLength = Int(Self.u16(archive, offset + 32))
            let madeBy = Self.u16(archive, offset + 4) >> 8
            let externalAttributes = Self.u32(archive, offset + 38)
            let localOffset = Int(Self.u32(archive, offset + 42))
            let nameStart = offset + 46
            guard nameStart + nameLength <= archive.count else { throw Failure("The ZIP's central directory is damaged.") }
            guard let name = String(validating: archive[nameStart..<nameStart + nameLength], as: UTF8.self) else {
                throw Failure("A file name in the ZIP is not UTF-8.")
            }
            offset = nameStart + nameLength + extraLength + commentLength
            try Self.checkPath(name)
            // Unix mode in the upper 16 bits of the external attributes when made on Unix (3) or macOS (19).
            if madeBy == 3 || madeBy == 19, (externalAttributes >> 16) & 0o170000 == 0o120000 {
                throw Failure("\(Self.shown(name)) is a symbolic link; a language pack holds plain files only.")
            }
            if name.hasSuffix("/") { continue }
            guard flags & 1 == 0 else { throw Failure("\(Self.shown(name)) is encrypted.") }
            guard seen.insert(name.lowercased()).inserted else { throw Failure("\(Self.shown(name)) is in the ZIP twice.") }
            guard entries.count < maxEntries else { throw Failure("The ZIP holds more than \(maxEntries) files.") }
            guard declaredSize <= maxEntrySize else { throw Failure("\(Self.shown(name)) is larger than \(maxEntrySize / 1024) KiB unpacked.") }
            let data = try Self.dataStart(archive, localOffset: localOffset, name: name)
            guard data + compressedSize <= archive.count else { throw Failure("\(Self.shown(name)) is cut off.") }
            let raw = archive[data..<data + compressedSize]
            let bytes: [UInt8]
            switch method {
            case 0: bytes = Array(raw)
            case 8: bytes = try Self.inflate(raw, limit: min(maxEntrySize, maxTotalSize - total), name: name)
            default: throw Failure("\(Self.shown(name)) uses a compression method other than stored or deflate.")
            }
            guard bytes.count == declaredSize, CRC32.checksum(bytes) == crc else { throw Failure("\(Self.shown(name)) is damaged (size or checksum).") }
            total += bytes.count
            guard total <= maxTotalSize else { throw Failure("The ZIP unpacks to more than \(maxTotalSize / (1024 * 1024)) MiB.") }
            entries.append(Entry(path: name, bytes: bytes))
        }
        return entries
    }

    /// A relative path of plain components: no `/…`, `C:`, `\`, `..`, `.`, empty components or control characters.
    static func checkPath(_ name: String) throws(Failure) {
        let trimmed = name.hasSuffix("/") ? String(name.dropLast()) : name
        let components = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix("/"), !name.contains("\\"), !name.contains(":"),
              !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
              !components.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." }) else {
            throw Failure("\(shown(name)) is not a plain relative path inside the ZIP.")
        }
    }

    /// A file name safe to show: at most 80 characters, control characters replaced.
    public static func shown(_ name: String) -> String {
        String(name.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }

    /// The end-of-central-directory record: where the directory starts and how many entries it has.
    private func centralDirectory(_ archive: [UInt8]) throws(Failure) -> (offset: Int, count: Int) {
        guard archive.count >= 22 else { throw Failure("The file is not a ZIP archive.") }
        var position = archive.count - 22
        let lowest = max(0, archive.count - 22 - 65535)
        while position >= lowest {
            if Self.u32(archive, position) == 0x0605_4B50 { break }
            position -= 1
        }
        guard position >= lowest else { throw Failure("The file is not a ZIP archive.") }
        let count = Int(Self.u16(archive, position + 10))
        let size = Int(Self.u32(archive, position + 12))
        let offset = Int(Self.u32(archive, position + 16))
        guard count != 0xFFFF, offset != 0xFFFF_FFFF else { throw Failure("ZIP64 archives are not supported.") }
        guard offset + size <= position else { throw Failure("The ZIP's central directory is damaged.") }
        guard count <= maxEntries * 4 else { throw Failure("The ZIP holds more than \(maxEntries) files.") }
        return (offset, count)
    }

    /// Where an entry's data begins, after its local header.
    private static func dataStart(_ archive: [UInt8], localOffset: Int, name: String) throws(Failure) -> Int {
        guard localOffset + 30 <= archive.count, u32(archive, localOffset) == 0x0403_4B50 else { throw Failure("\(shown(name)) is damaged.") }
        return localOffset + 30 + Int(u16(archive, localOffset + 26)) + Int(u16(archive, localOffset + 28))
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }

    /// Raw deflate, stopping with a failure as soon as the output would pass `limit`.
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int, name: String) throws(Failure) -> [UInt8] {
        guard let zlib = Zlib.functions else { throw Failure("Deflated ZIPs need the system zlib (libz.so.1), which is missing.") }
        let stream = UnsafeMutablePointer<ZStream>.allocate(capacity: 1)
        defer { stream.deallocate() }
        stream.initialize(to: ZStream())
        guard zlib.inflateInit2(UnsafeMutableRawPointer(stream), -15, "1.2.11", Int32(MemoryLayout<ZStream>.size)) == 0 else { throw Failure("zlib could not start.") }
        defer { _ = zlib.inflateEnd(UnsafeMutableRawPointer(stream)) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let input = Array(input)
        var status: Int32 = 0
        input.withUnsafeBufferPointer { source in
            stream.pointee.nextIn = source.baseAddress
            stream.pointee.availIn = UInt32(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.pointee.nextOut = target.baseAddress
                    stream.pointee.availOut = UInt32(target.count)
                    status = zlib.inflate(UnsafeMutableRawPointer(stream), 0)
                    output.append(contentsOf: target[0..<(target.count - Int(stream.pointee.availOut))])
                }
            } while status == 0 && output.count <= limit  // Z_OK: progress made, more may follow
            stream.pointee.nextIn = nil
        }
        guard output.count <= limit else { throw Failure("\(shown(name)) unpacks to more than \(limit / 1024) KiB.") }
        guard status == 1 else { throw Failure("\(shown(name)) is damaged (deflate data).") }
        return output
    }
}

/// zlib's `z_stream` (LP64 layout).
struct ZStream {
    var nextIn: UnsafePointer<UInt8>? = nil
    var availIn: UInt32 = 0
    var totalIn: UInt = 0
    var nextOut: UnsafeMutablePointer<UInt8>? = nil
    var availOut: UInt32 = 0
    var totalOut: UInt = 0
    var msg: UnsafePointer<CChar>? = nil
    var state: OpaquePointer? = nil
    var zalloc: OpaquePointer? = nil
    var zfree: OpaquePointer? = nil
    var opaque: OpaquePointer? = nil
    var dataType: Int32 = 0
    var adler: UInt = 0
    var reserved: UInt = 0
}

/// zlib's inflate functions, looked up at run time like `crc32` (no build-time dependency).
struct Zlib: @unchecked Sendable {
    typealias InflateInit2 = @convention(c) (UnsafeMutableRawPointer, Int32, UnsafePointer<CChar>, Int32) -> Int32
    typealias Inflate = @convention(c) (UnsafeMutableRawPointer, Int32) -> Int32
    typealias InflateEnd = @convention(c) (UnsafeMutableRawPointer) -> Int32

    let inflateInit2: InflateInit2
    let inflate: Inflate
    let inflateEnd: InflateEnd

    static let functions: Zlib? = {
        #if canImport(Glibc)
        guard let handle = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL), let a = dlsym(handle, "inflateInit2_"), let b = dlsym(handle, "inflate"),
              let c = dlsym(handle, "inflateEnd") else { return nil }
        return Zlib(inflateInit2: unsafeBitCast(a, to: InflateInit2.self), inflate: unsafeBitCast(b, to: Inflate.self),
                    inflateEnd: unsafeBitCast(c, to: InflateEnd.self))
        #else
        return nil
        #endif
    }()
}
