@preconcurrency import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a sealed blob file with positional reads (`pread`), decrypting any range segment by segment.
public struct BlobFileReader: Sendable {
    /// Segment geometry of the file, validated against its size at open.
    public let layout: BlobLayout
    /// Plaintext size of the file in bytes.
    public var plaintextSize: Int64 { layout.plaintextSize }

    private let file: FileDescriptor
    private let decryptor: BlobDecryptor

    /// Opens the blob at `path`, reads and validates its header and size; nothing else is read yet.
    public init(path: String, key: SymmetricKey) throws {
        let file = try FileDescriptor(openingForReading: path)
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw BlobError.io(errno: errno) }
        var headerBytes = [UInt8](repeating: 0, count: BlobFormat.headerSize)
        let got = try headerBytes.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        guard got == BlobFormat.headerSize else { throw BlobError.badHeader }
        let header = try BlobHeader(parsing: headerBytes)
        self.layout = try BlobLayout(header: header, blobSize: Int64(info.st_size))
        self.decryptor = try BlobDecryptor(key: key, header: header)
        self.file = file
    }

    /// An iterator over the plaintext of `range` (the whole file when nil), one segment per `next()`.
    ///
    /// An out-of-bounds range makes the first `next()` throw `invalidRange`.
    public func chunks(range: Range<Int64>? = nil) -> Chunks {
        Chunks(reader: self, range: range ?? 0..<plaintextSize)
    }

    /// Yields decrypted plaintext for a range, one segment at a time, in O(segment) memory.
    public struct Chunks: Sendable {
        private let reader: BlobFileReader
        private let range: Range<Int64>
        private var indices: Range<Int>?
        private var buffer: [UInt8] = []

        init(reader: BlobFileReader, range: Range<Int64>) {
            self.reader = reader
            self.range = range
        }

        /// The next piece of plaintext (never empty), or nil when the range is done.
        public mutating func next() throws -> [UInt8]? {
            var out: [UInt8] = []
            return try next(into: &out) ? out : nil
        }

        /// Replaces `out` with the next piece of plaintext, reusing its storage; false when done.
        public mutating func next(into out: inout [UInt8]) throws -> Bool {
            out.removeAll(keepingCapacity: true)
            if indices == nil {
                indices = try reader.layout.segmentIndices(for: range)
                buffer = [UInt8](repeating: 0, count: reader.layout.header.segmentSize + BlobFormat.tagSize)
            }
            guard let index = indices?.popFirst() else {
                buffer = []
                return false
            }
            let slice = reader.layout.slice(segment: index, within: range)
            let reader = self.reader
            try buffer.withUnsafeMutableBytes { raw in
                let target = UnsafeMutableRawBufferPointer(rebasing: raw[..<slice.sealedLength])
                guard try reader.file.read(into: target, at: slice.blobOffset) == slice.sealedLength else {
                    throw BlobError.truncated  // the file shrank after it was opened
                }
                try reader.decryptor.open(
                    index: slice.index,
                    isLast: slice.isLast,
                    sealed: UnsafeRawBufferPointer(target),
                    keep: slice.keep,
                    into: &out
                )
            }
            return true
        }
    }
}

/// Owns an open file descriptor and closes it when the last reader copy goes away.
///
/// `@unchecked Sendable` is safe: `fd` is immutable after init, the only operation is `pread`
/// (positional, no shared file offset, safe from many threads), and `close` runs only in `deinit`,
/// when no other reference can exist.
final class FileDescriptor: @unchecked Sendable {
    /// The descriptor, valid for the lifetime of this object.
    let fd: Int32

    /// Opens `path` read-only, close-on-exec.
    init(openingForReading path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BlobError.io(errno: errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Fills `buffer` from `offset`, retrying short reads and EINTR; returns bytes read (less only at EOF).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw BlobError.io(errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
