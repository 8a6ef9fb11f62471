import Crypto
import Foundation

/// Constants and helpers of the Sealdrop blob format `SDB1` (DESIGN §3).
///
/// Layout: a 16-byte header (magic `SDB1`, version 1, segment size UInt32 BE, 7-byte nonce prefix),
/// then the plaintext in segments of exactly `segmentSize` bytes except the last (0…segmentSize),
/// each sealed with AES-256-GCM as ciphertext ‖ 16-byte tag. The nonce of segment `i` is
/// prefix ‖ UInt32 BE `i` ‖ last-flag, and the header is the authenticated data of every segment.
public enum BlobFormat {
    /// The four magic bytes `SDB1`.
    public static let magic: [UInt8] = Array("SDB1".utf8)
    /// The only format version this module reads and writes.
    public static let version: UInt8 = 1
    /// Size of the header in bytes.
    public static let headerSize = 16
    /// Size of the random nonce prefix in the header.
    public static let noncePrefixSize = 7
    /// Size of a segment's AES-GCM nonce: the prefix, the 4-byte segment index and the last-flag byte.
    public static let nonceSize = 12
    /// Size of the AES-GCM tag that follows each segment's ciphertext.
    public static let tagSize = 16
    /// Smallest allowed segment size (64 KiB).
    public static let minimumSegmentSize = 64 * 1024
    /// Largest allowed segment size (1 MiB).
    public static let maximumSegmentSize = 1024 * 1024
    /// Default segment size (1 MiB).
    public static let defaultSegmentSize = 1024 * 1024
    /// Largest number of segments a blob can have (the index is a UInt32).
    public static let maximumSegmentCount = Int64(UInt32.max) + 1

    /// Whether `size` is an allowed segment size.
    public static func isValidSegmentSize(_ size: Int) -> Bool {
        (minimumSegmentSize...maximumSegmentSize).contains(size)
    }

    /// The 12-byte AES-GCM nonce of one segment: prefix ‖ index (UInt32 BE) ‖ last-flag.
    static func nonce(prefix: [UInt8], index: Int, isLast: Bool) -> AES.GCM.Nonce {
        precondition(prefix.count == noncePrefixSize && index >= 0 && index <= Int(UInt32.max))
        var bytes = prefix
        bytes.reserveCapacity(12)
        let i = UInt32(index)
        bytes.append(UInt8(truncatingIfNeeded: i >> 24))
        bytes.append(UInt8(truncatingIfNeeded: i >> 16))
        bytes.append(UInt8(truncatingIfNeeded: i >> 8))
        bytes.append(UInt8(truncatingIfNeeded: i))
        bytes.append(isLast ? 1 : 0)
        // A 12-byte array is always a valid GCM nonce.
        return try! AES.GCM.Nonce(data: bytes)
    }
}

extension UnsafeRawBufferPointer {
    /// The same memory viewed as bytes, so that `Array.append(contentsOf:)` takes the memcpy path.
    var asBytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: baseAddress?.assumingMemoryBound(to: UInt8.self), count: count)
    }
}
