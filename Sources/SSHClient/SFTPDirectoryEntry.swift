/// One entry of an `SSH_FXP_NAME` reply (draft-ietf-secsh-filexfer-02 §7): a name, the server's `ls -l` style
/// line, and the attributes.
public struct SFTPDirectoryEntry: Hashable, Sendable {
    /// The file name (for READDIR: relative to the directory; for REALPATH: the absolute path).
    public var filename: String
    /// The server's human-readable listing line; not meant to be parsed.
    public var longname: String
    /// The attributes the server sent with the name.
    public var attributes: SFTPFileAttributes

    /// Creates an entry.
    public init(filename: String, longname: String, attributes: SFTPFileAttributes) {
        self.filename = filename
        self.longname = longname
        self.attributes = attributes
    }
}
