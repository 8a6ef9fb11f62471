import Crypto
import Foundation
import SealdropCore
import SealdropCrypto

/// Decrypts a byte range of a stored blob one segment at a time; memory stays O(segment size).
public struct PlaintextReader: Sendable {
    let handle: any BlobReadHandle
    let layout: BlobLayout
    let decryptor: BlobDecryptor

    /// Opens a blob with its file key, checking the header.
    public init(handle: any BlobReadHandle, key: SymmetricKey) throws {
        let headerBytes = try handle.read(at: 0, count: BlobFormat.headerSize)
        self.handle = handle
        self.layout = try BlobLayout(headerBytes: headerBytes, blobSize: handle.size)
        self.decryptor = try BlobDecryptor(key: key, header: layout.header)
    }

    /// The plaintext size of the blob.
    public var size: Int64 { layout.plaintextSize }

    /// An iterator over the decrypted bytes of `range` (the whole file when nil).
    public func chunks(range: Range<Int64>? = nil) throws -> Chunks {
        let wanted = range ?? 0..<layout.plaintextSize
        let slices = wanted.isEmpty ? [] : try layout.segments(for: wanted)
        return Chunks(reader: self, slices: slices)
    }

    /// The decrypted chunks of one range, in order.
    public struct Chunks: Sendable {
        let reader: PlaintextReader
        let slices: [BlobLayout.SegmentSlice]
        var position = 0

        /// The next chunk, or nil at the end; throws when the blob was tampered with or truncated.
        public mutating func next() throws -> [UInt8]? {
            try nextData().map { [UInt8]($0) }
        }

        /// The next chunk as zero-based `Data` without copies (the streaming path), or nil at the end.
        public mutating func nextData() throws -> Data? {
            guard position < slices.count else { return nil }
            let slice = slices[position]
            position += 1
            let handle = reader.handle
            let plain = try reader.decryptor.openSegment(index: slice.index, isLast: slice.isLast, sealedLength: slice.sealedLength) {
                try handle.read(into: $0, at: slice.blobOffset)
            }
            if slice.keep == 0..<plain.count { return plain }
            return Data(plain[slice.keep])
        }
    }
}
