/// The error/status code of an `SSH_FXP_STATUS` reply (draft-ietf-secsh-filexfer-02 §7).
///
/// A struct rather than an enum: servers may send codes from later drafts, which are kept as they are.
public struct SFTPStatusCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code on the wire.
    public let rawValue: UInt32

    /// Creates a code from its wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `SSH_FX_OK`: the request succeeded.
    public static let ok = SFTPStatusCode(rawValue: 0)
    /// `SSH_FX_EOF`: end of file (READ) or no more entries (READDIR).
    public static let endOfFile = SFTPStatusCode(rawValue: 1)
    /// `SSH_FX_NO_SUCH_FILE`: a path that does not exist.
    public static let noSuchFile = SFTPStatusCode(rawValue: 2)
    /// `SSH_FX_PERMISSION_DENIED`.
    public static let permissionDenied = SFTPStatusCode(rawValue: 3)
    /// `SSH_FX_FAILURE`: any other error (OpenSSH also uses it for "file exists").
    public static let failure = SFTPStatusCode(rawValue: 4)
    /// `SSH_FX_BAD_MESSAGE`: the server could not parse the request.
    public static let badMessage = SFTPStatusCode(rawValue: 5)
    /// `SSH_FX_NO_CONNECTION` (client-side in the draft; never expected from a server).
    public static let noConnection = SFTPStatusCode(rawValue: 6)
    /// `SSH_FX_CONNECTION_LOST` (client-side in the draft; never expected from a server).
    public static let connectionLost = SFTPStatusCode(rawValue: 7)
    /// `SSH_FX_OP_UNSUPPORTED`: the server does not implement the request.
    public static let operationUnsupported = SFTPStatusCode(rawValue: 8)

    public var description: String {
        let names = [
            "ok", "end of file", "no such file", "permission denied", "failure", "bad message", "no connection",
            "connection lost", "operation unsupported",
        ]
        let name = self.rawValue < names.count ? names[Int(self.rawValue)] : "unknown"
        return "\(self.rawValue) (\(name))"
    }
}
