/// Why a blob could not be written, parsed or decrypted.
public enum BlobError: Error, Sendable, Equatable {
    /// The header is missing, has the wrong magic, or is otherwise malformed.
    case badHeader
    /// The header names a format version this module does not know.
    case unsupportedVersion(UInt8)
    /// A segment size outside 64 KiB…1 MiB was requested or found.
    case invalidSegmentSize(Int)
    /// A segment failed AES-GCM authentication: tampered, reordered, truncated or wrong key.
    case authenticationFailed(segment: Int)
    /// The blob's size is impossible for its header: bytes were dropped or appended.
    case truncated
    /// A requested plaintext range lies outside the blob.
    case invalidRange
    /// The plaintext is too large for the format (more than 2^32 segments).
    case tooLarge
    /// `finish()` was already called on this encryptor.
    case alreadyFinished
    /// Sealed bytes never reached their destination (the sink of `append(_:sealingTo:)` threw): the blob has a gap.
    case incomplete
    /// A system call failed with this `errno`.
    case io(errno: Int32)
}
