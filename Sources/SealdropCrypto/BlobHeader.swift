/// The parsed 16-byte blob header: segment size and nonce prefix, plus its exact bytes (the AAD).
public struct BlobHeader: Sendable, Equatable {
    /// Plaintext bytes per segment (64 KiB…1 MiB).
    public let segmentSize: Int
    /// The 7 random bytes every segment nonce starts with.
    public let noncePrefix: [UInt8]
    /// The serialized header, authenticated with every segment.
    public let bytes: [UInt8]

    /// Builds a header for a new blob; throws `invalidSegmentSize` outside 64 KiB…1 MiB.
    public init(segmentSize: Int, noncePrefix: [UInt8]) throws {
        guard BlobFormat.isValidSegmentSize(segmentSize) else {
            throw BlobError.invalidSegmentSize(segmentSize)
        }
        precondition(noncePrefix.count == BlobFormat.noncePrefixSize, "nonce prefix must be 7 bytes")
        let size = UInt32(segmentSize)
        var bytes = BlobFormat.magic
        bytes.reserveCapacity(BlobFormat.headerSize)
        bytes.append(BlobFormat.version)
        bytes.append(UInt8(truncatingIfNeeded: size >> 24))
        bytes.append(UInt8(truncatingIfNeeded: size >> 16))
        bytes.append(UInt8(truncatingIfNeeded: size >> 8))
        bytes.append(UInt8(truncatingIfNeeded: size))
        bytes.append(contentsOf: noncePrefix)
        self.segmentSize = segmentSize
        self.noncePrefix = noncePrefix
        self.bytes = bytes
    }

    /// Parses and validates the first 16 bytes of a blob (extra bytes are ignored).
    public init(parsing data: some Collection<UInt8>) throws {
        let b = Array(data.prefix(BlobFormat.headerSize))
        guard b.count == BlobFormat.headerSize, Array(b[0..<4]) == BlobFormat.magic else {
            throw BlobError.badHeader
        }
        guard b[4] == BlobFormat.version else { throw BlobError.unsupportedVersion(b[4]) }
        let size = Int(b[5]) << 24 | Int(b[6]) << 16 | Int(b[7]) << 8 | Int(b[8])
        try self.init(segmentSize: size, noncePrefix: Array(b[9..<16]))
    }
}
