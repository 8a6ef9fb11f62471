/// The one error type of ``SFTPClient``: what failed, for which request and path, and what the server said.
///
/// `Kind` is an extensible struct. `description` names the request, the path, the status code and the server's
/// message; it never contains file contents or credentials.
public struct SFTPError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The category of failure.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case status, timeout, closed, protocolViolation
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server answered with an error status (``SFTPError/status`` and ``SFTPError/serverMessage``).
        public static let status = Kind(.status)
        /// No reply within the request timeout; the session is closed, since the request's outcome is unknown.
        public static let timeout = Kind(.timeout)
        /// The session ended (channel closed, server gone, ``SFTPClient/shutdown()``) before the reply.
        public static let closed = Kind(.closed)
        /// The server sent something the protocol does not allow (bad length, unknown request id, wrong reply
        /// type, malformed packet); the session is closed.
        public static let protocolViolation = Kind(.protocolViolation)

        public var description: String { self.base.rawValue }
    }

    /// The category of failure.
    public var kind: Kind
    /// The request that failed (`OPEN`, `WRITE`, `posix-rename@openssh.com`, …), when one did.
    public var request: String?
    /// The path the request was about (for handle requests: the path the handle was opened with).
    public var path: String?
    /// For ``Kind/status``: the server's status code.
    public var status: SFTPStatusCode?
    /// For ``Kind/status``: the server's error message, as sent.
    public var serverMessage: String?
    /// A short explanation of our own.
    public var message: String
    /// The lower-level error (NIO), if any.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(
        kind: Kind,
        request: String? = nil,
        path: String? = nil,
        status: SFTPStatusCode? = nil,
        serverMessage: String? = nil,
        message: String,
        underlying: (any Error)? = nil
    ) {
        self.kind = kind
        self.request = request
        self.path = path
        self.status = status
        self.serverMessage = serverMessage
        self.message = message
        self.underlying = underlying
    }

    /// The server refused `request` with `code` and `serverMessage`.
    static func status(_ code: SFTPStatusCode, serverMessage: String, request: SFTPRequestKind, path: String) -> SFTPError {
        SFTPError(
            kind: .status, request: request.description, path: path, status: code, serverMessage: serverMessage,
            message: "the server refused the request"
        )
    }

    /// The server broke the protocol; `message` says how.
    static func protocolViolation(_ message: String, request: SFTPRequestKind? = nil, path: String? = nil) -> SFTPError {
        SFTPError(kind: .protocolViolation, request: request?.description, path: path, message: message)
    }

    /// The session ended before `request` was answered.
    static func closed(_ message: String, request: SFTPRequestKind? = nil, path: String? = nil, underlying: (any Error)? = nil) -> SFTPError {
        SFTPError(kind: .closed, request: request?.description, path: path, message: message, underlying: underlying)
    }

    /// The same error, reported for another request (every pending request fails when the session does).
    func affecting(_ request: SFTPRequestKind?, path: String?) -> SFTPError {
        var copy = self
        copy.request = request?.description
        copy.path = path
        return copy
    }

    public var description: String {
        var text = "SFTP \(self.kind)"
        if let request = self.request { text += " in \(request)" }
        if let path = self.path { text += " for \"\(path)\"" }
        text += ": \(self.message)"
        if let status = self.status { text += "; status \(status)" }
        if let serverMessage = self.serverMessage, !serverMessage.isEmpty { text += ", server said \"\(serverMessage)\"" }
        return text
    }

    public var debugDescription: String {
        guard let underlying = self.underlying else { return self.description }
        return self.description + "; underlying error: \(String(reflecting: underlying))"
    }
}
