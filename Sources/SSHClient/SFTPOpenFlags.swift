/// The `pflags` of `SSH_FXP_OPEN` (draft-ietf-secsh-filexfer-02 §6.3).
public struct SFTPOpenFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    /// Creates flags from their wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `SSH_FXF_READ`: open for reading.
    public static let read = SFTPOpenFlags(rawValue: 0x01)
    /// `SSH_FXF_WRITE`: open for writing.
    public static let write = SFTPOpenFlags(rawValue: 0x02)
    /// `SSH_FXF_APPEND`: every write goes to the end of the file (OpenSSH ignores the offset).
    public static let append = SFTPOpenFlags(rawValue: 0x04)
    /// `SSH_FXF_CREAT`: create the file if it does not exist, with the given permissions.
    public static let create = SFTPOpenFlags(rawValue: 0x08)
    /// `SSH_FXF_TRUNC`: truncate an existing file to zero length (needs `create`).
    public static let truncate = SFTPOpenFlags(rawValue: 0x10)
    /// `SSH_FXF_EXCL`: fail if the file already exists (needs `create`).
    public static let exclusive = SFTPOpenFlags(rawValue: 0x20)
}
