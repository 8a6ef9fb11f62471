@preconcurrency import Crypto
import Foundation

/// Opens individual sealed segments of one blob, in any order (random access).
public struct BlobDecryptor: Sendable {
    /// The header of the blob; its bytes are the authenticated data of every segment.
    public let header: BlobHeader
    private let key: SymmetricKey

    /// A decryptor for the blob with `header`, under its 256-bit file key.
    public init(key: SymmetricKey, header: BlobHeader) throws {
        guard key.bitCount == 256 else { throw CryptoKitError.incorrectKeySize }
        self.key = key
        self.header = header
    }

    /// Parses `headerBytes` (the blob's first 16 bytes) and builds a decryptor.
    public init(key: SymmetricKey, headerBytes: some Collection<UInt8>) throws {
        try self.init(key: key, header: BlobHeader(parsing: headerBytes))
    }

    /// Decrypts segment `index` (ciphertext ‖ tag); throws `authenticationFailed(segment:)` on any mismatch.
    public func open(index: Int, isLast: Bool, sealed: UnsafeRawBufferPointer) throws -> [UInt8] {
        try open(index: index, isLast: isLast, sealed: sealed, keep: nil)
    }

    /// Decrypts segment `index` from any contiguous byte collection (`[UInt8]`, `Data`, slices).
    public func open<Bytes: Collection>(index: Int, isLast: Bool, sealed: Bytes) throws -> [UInt8]
    where Bytes.Element == UInt8 {
        if let result = try sealed.withContiguousStorageIfAvailable({
            try open(index: index, isLast: isLast, sealed: UnsafeRawBufferPointer($0), keep: nil)
        }) {
            return result
        }
        return try Array(sealed).withUnsafeBytes { try open(index: index, isLast: isLast, sealed: $0, keep: nil) }
    }

    /// Decrypts segment `index` whose sealed bytes (ciphertext ‖ tag, `sealedLength` of them) `fill` writes into
    /// the buffer it is given, returning how many it wrote; throws `truncated` when it wrote fewer.
    ///
    /// The streaming path of downloads: the sealed bytes land once, right behind the nonce, in the memory that
    /// becomes the sealed box, and the cipher writes the plaintext once into the `Data` returned — two
    /// segment-sized allocations and no copies, where `open(index:isLast:sealed:)` needs four and two copies.
    public func openSegment(index: Int, isLast: Bool, sealedLength: Int,
                            fill: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Data {
        let plaintextLength = sealedLength - BlobFormat.tagSize
        guard plaintextLength >= 0, plaintextLength <= header.segmentSize,
              index >= 0, index <= Int(UInt32.max)
        else { throw BlobError.authenticationFailed(segment: index) }
        let nonce = BlobFormat.nonce(prefix: header.noncePrefix, index: index, isLast: isLast)
        let nonceSize = BlobFormat.nonceSize
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: nonceSize + sealedLength, alignment: 16)
        do {
            nonce.withUnsafeBytes { memory.copyMemory(from: $0) }
            guard try fill(UnsafeMutableRawBufferPointer(rebasing: memory[nonceSize...])) == sealedLength else {
                throw BlobError.truncated
            }
        } catch {
            memory.deallocate()
            throw error
        }
        let combined = Data(bytesNoCopy: memory.baseAddress!, count: memory.count, deallocator: .custom { pointer, _ in pointer.deallocate() })
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key, authenticating: header.bytes)
        } catch {
            throw BlobError.authenticationFailed(segment: index)
        }
    }

    /// Decrypts a segment and returns only the `keep` bytes of its plaintext (all when nil).
    func open(index: Int, isLast: Bool, sealed: UnsafeRawBufferPointer, keep: Range<Int>?) throws -> [UInt8] {
        var out: [UInt8] = []
        try open(index: index, isLast: isLast, sealed: sealed, keep: keep, into: &out)
        return out
    }

    /// Decrypts a segment and appends the `keep` bytes of its plaintext (all when nil) to `out`.
    func open(index: Int, isLast: Bool, sealed: UnsafeRawBufferPointer, keep: Range<Int>?, into out: inout [UInt8]) throws {
        let plaintextLength = sealed.count - BlobFormat.tagSize
        guard plaintextLength >= 0, plaintextLength <= header.segmentSize,
              index >= 0, index <= Int(UInt32.max)
        else { throw BlobError.authenticationFailed(segment: index) }
        let nonce = BlobFormat.nonce(prefix: header.noncePrefix, index: index, isLast: isLast)
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(
                nonce: nonce,
                ciphertext: UnsafeRawBufferPointer(rebasing: sealed[..<plaintextLength]),
                tag: UnsafeRawBufferPointer(rebasing: sealed[plaintextLength...])
            )
            plaintext = try AES.GCM.open(box, using: key, authenticating: header.bytes)
        } catch {
            throw BlobError.authenticationFailed(segment: index)
        }
        let range = keep ?? 0..<plaintext.count
        precondition(range.lowerBound >= 0 && range.upperBound <= plaintext.count, "keep range out of bounds")
        plaintext.withUnsafeBytes { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[range]).asBytes) }
    }
}
