/// Maps plaintext positions to sealed segments of a blob, from its header and total size alone.
public struct BlobLayout: Sendable, Equatable {
    /// One segment to read for a plaintext range: where it is in the blob and what to keep of it.
    public struct SegmentSlice: Sendable, Equatable {
        /// Segment index (0-based).
        public let index: Int
        /// Whether this is the blob's final segment (sealed with the last-flag).
        public let isLast: Bool
        /// Offset of the sealed segment (ciphertext ‖ tag) from the start of the blob.
        public let blobOffset: Int64
        /// Length of the sealed segment in bytes (plaintext length + 16).
        public let sealedLength: Int
        /// The bytes of the decrypted segment that belong to the requested range.
        public let keep: Range<Int>
    }

    /// The blob's header.
    public let header: BlobHeader
    /// Total blob size in bytes, header included.
    public let blobSize: Int64
    /// Plaintext size in bytes.
    public let plaintextSize: Int64
    /// Number of segments (at least 1).
    public let segmentCount: Int

    private var segmentSize: Int64 { Int64(header.segmentSize) }
    private var sealedSegmentSize: Int64 { segmentSize + Int64(BlobFormat.tagSize) }

    /// Validates that `blobSize` is possible for `header`; throws `truncated` if not.
    public init(header: BlobHeader, blobSize: Int64) throws {
        let full = Int64(header.segmentSize + BlobFormat.tagSize)
        let body = blobSize - Int64(BlobFormat.headerSize)
        guard body >= Int64(BlobFormat.tagSize) else { throw BlobError.truncated }
        let (fullSegments, remainder) = body.quotientAndRemainder(dividingBy: full)
        let count: Int64
        let lastPlaintext: Int64
        if remainder == 0 {
            count = fullSegments
            lastPlaintext = Int64(header.segmentSize)
        } else {
            // An empty final segment only exists for an empty file (see BlobEncryptor).
            guard remainder > Int64(BlobFormat.tagSize) || fullSegments == 0 && remainder == Int64(BlobFormat.tagSize)
            else { throw BlobError.truncated }
            count = fullSegments + 1
            lastPlaintext = remainder - Int64(BlobFormat.tagSize)
        }
        guard count <= BlobFormat.maximumSegmentCount else { throw BlobError.tooLarge }
        self.header = header
        self.blobSize = blobSize
        self.segmentCount = Int(count)
        self.plaintextSize = (count - 1) * Int64(header.segmentSize) + lastPlaintext
    }

    /// Parses the header bytes and validates the blob size.
    public init(headerBytes: some Collection<UInt8>, blobSize: Int64) throws {
        try self.init(header: BlobHeader(parsing: headerBytes), blobSize: blobSize)
    }

    /// Size of the blob holding `plaintextSize` bytes with `segmentSize`-byte segments.
    public static func blobSize(forPlaintextSize plaintextSize: Int64, segmentSize: Int) -> Int64 {
        precondition(plaintextSize >= 0 && segmentSize > 0)
        let segments = max(1, (plaintextSize + Int64(segmentSize) - 1) / Int64(segmentSize))
        return Int64(BlobFormat.headerSize) + plaintextSize + segments * Int64(BlobFormat.tagSize)
    }

    /// Indices of the segments that hold `range` (empty for an empty range); throws `invalidRange`.
    public func segmentIndices(for range: Range<Int64>) throws -> Range<Int> {
        guard range.lowerBound >= 0, range.upperBound <= plaintextSize else { throw BlobError.invalidRange }
        guard !range.isEmpty else { return 0..<0 }
        return Int(range.lowerBound / segmentSize)..<Int((range.upperBound - 1) / segmentSize + 1)
    }

    /// Where segment `index` is in the blob and which of its bytes fall in `range`.
    public func slice(segment index: Int, within range: Range<Int64>) -> SegmentSlice {
        precondition(index >= 0 && index < segmentCount, "segment index out of bounds")
        let start = Int64(index) * segmentSize
        let isLast = index == segmentCount - 1
        let plaintextLength = isLast ? plaintextSize - start : segmentSize
        let lower = min(max(range.lowerBound, start), start + plaintextLength) - start
        let upper = max(min(range.upperBound, start + plaintextLength), start + lower) - start
        return SegmentSlice(
            index: index,
            isLast: isLast,
            blobOffset: Int64(BlobFormat.headerSize) + Int64(index) * sealedSegmentSize,
            sealedLength: Int(plaintextLength) + BlobFormat.tagSize,
            keep: Int(lower)..<Int(upper)
        )
    }

    /// All segment slices needed to read `range`, in order; throws `invalidRange`.
    public func segments(for range: Range<Int64>) throws -> [SegmentSlice] {
        try segmentIndices(for: range).map { slice(segment: $0, within: range) }
    }
}
