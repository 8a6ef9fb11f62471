/// The proprietary error codes of the REST API (spec §2.6), each tied to its HTTP status.
public enum APIErrorCode: Int, Sendable, Codable {
    case missingParameter = 1002
    case malformedParameter = 1004
    case invalidPathVariable = 1005
    case noSuchEndpoint = 1006
    case policyConflict = 2001
    case notFound = 2003
    case versionNotSupported = 2004
    case locked = 2005
    case deletedByThisRequest = 2006
    case tooManyRequests = 2007
    case notLicensed = 3001
    case invalidVerification = 3002
    case wrongPassword = 3003
    case remoteLoggingDisabled = 3004
    case senderRejected = 3010
    case recipientRejected = 3011
    case serverError = 5000
    case quickNotSupported = 5001
    case eIDNotSupported = 5002
}
