/// A failure the user or client can act on; every surface maps it to its own representation in one place.
///
/// `status` is the HTTP status the REST surface answers with, `code` the API error code, `message`
/// a short English text that never contains secrets or raw input.
public struct SealdropError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The API error code.
    public var code: APIErrorCode
    /// The HTTP status code used by the REST and page surfaces.
    public var status: Int
    /// A short human-readable explanation, safe to show and to log.
    public var message: String

    /// Creates an error with an explicit status.
    public init(_ code: APIErrorCode, status: Int, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    public var description: String { "\(code.rawValue) (\(status)): \(message)" }

    /// 400/1002: a required header or parameter is missing.
    public static func missing(_ what: String) -> SealdropError {
        SealdropError(.missingParameter, status: 400, "Missing required header or parameter: \(what)")
    }
    /// 400/1004: a header, parameter or body value is malformed.
    public static func malformed(_ what: String) -> SealdropError {
        SealdropError(.malformedParameter, status: 400, what)
    }
    /// 400/1005: a path variable is malformed.
    public static func invalidPath(_ what: String) -> SealdropError {
        SealdropError(.invalidPathVariable, status: 400, "Invalid path variable: \(what)")
    }
    /// 404/1006: no such endpoint.
    public static let noSuchEndpoint = SealdropError(.noSuchEndpoint, status: 404, "The endpoint does not exist")
    /// 409/2001: the request conflicts with the transfer policy or the session state.
    public static func conflict(_ what: String) -> SealdropError {
        SealdropError(.policyConflict, status: 409, what)
    }
    /// 404/2003: the entity does not exist (or is no longer available).
    public static func notFound(_ what: String) -> SealdropError {
        SealdropError(.notFound, status: 404, "\(what) does not exist")
    }
    /// 404/2004: the requested API version is not served.
    public static let versionNotSupported = SealdropError(.versionNotSupported, status: 404, "The requested API version is not supported")
    /// 403/2005: the transfer is locked for this recipient.
    public static let locked = SealdropError(.locked, status: 403, "The transfer is locked after too many failed password attempts")
    /// 410/2006: the transfer was deleted as a consequence of this request.
    public static let deletedByThisRequest = SealdropError(.deletedByThisRequest, status: 410, "The transfer was deleted after too many failed password attempts")
    /// 429/2007: too many requests in a short time.
    public static let tooManyRequests = SealdropError(.tooManyRequests, status: 429, "Too many requests, try again later")
    /// 403/3002: the verification data is not valid.
    public static let invalidVerification = SealdropError(.invalidVerification, status: 403, "Invalid verification data")
    /// 401/3002: the verification token differs from the one the session was created with.
    public static let differentToken = SealdropError(.invalidVerification, status: 401, "The verification token differs from the one used to create the transfer")
    /// 401/3003: wrong transfer password.
    public static let wrongPassword = SealdropError(.wrongPassword, status: 401, "Wrong transfer password")
    /// 403/3004: remote logging is disabled.
    public static let remoteLoggingDisabled = SealdropError(.remoteLoggingDisabled, status: 403, "Remote logging is not permitted")
    /// 403/3010: the sender is not allowed by the policy.
    public static let senderRejected = SealdropError(.senderRejected, status: 403, "The sender is not allowed to send transfers")
    /// 403/3011: the sender/recipient combination is not allowed by the policy.
    public static let recipientRejected = SealdropError(.recipientRejected, status: 403, "The combination of sender and recipients is not allowed")
    /// 500/5000: an unexpected server error; details go to the log only.
    public static let internalError = SealdropError(.serverError, status: 500, "Internal server error")
    /// 507 mapped to 5000: the server has no space left to store the upload.
    public static let storageFull = SealdropError(.serverError, status: 507, "The server has no storage space left for this upload")
}
