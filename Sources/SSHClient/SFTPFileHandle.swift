/// An open file or directory on the server: the opaque handle string of `SSH_FXP_HANDLE` (at most 256 bytes)
/// and the path it was opened with, which errors name.
public struct SFTPFileHandle: Hashable, Sendable, CustomStringConvertible {
    /// The server's handle bytes.
    let bytes: [UInt8]
    /// The path given to OPEN or OPENDIR.
    public let path: String

    /// Wraps a handle the server returned for `path`.
    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    public var description: String { "SFTPFileHandle(\(self.path))" }
}
