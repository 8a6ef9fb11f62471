import Foundation

/// A pending verification code for one (email, client id) pair; only its keyed hash is stored.
public struct VerificationCodeRecord: Sendable, Equatable {
    public var email: EmailAddress
    public var clientId: String
    public var codeHash: [UInt8]
    public var createdAt: Date
    public var expiresAt: Date
    public var failedAttempts: Int

    public init(email: EmailAddress, clientId: String, codeHash: [UInt8], createdAt: Date, expiresAt: Date, failedAttempts: Int = 0) {
        self.email = email
        self.clientId = clientId
        self.codeHash = codeHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.failedAttempts = failedAttempts
    }
}

/// A granted verification: a token (stored as its SHA-256) bound to one email and one client id.
public struct VerificationRecord: Sendable, Equatable {
    public var tokenHash: [UInt8]
    public var email: EmailAddress
    public var clientId: String
    public var createdAt: Date
    /// End of the maximum validity term (nil: never expires).
    public var maxValidUntil: Date?
    public var lastUsedAt: Date

    public init(tokenHash: [UInt8], email: EmailAddress, clientId: String, createdAt: Date, maxValidUntil: Date?, lastUsedAt: Date) {
        self.tokenHash = tokenHash
        self.email = email
        self.clientId = clientId
        self.createdAt = createdAt
        self.maxValidUntil = maxValidUntil
        self.lastUsedAt = lastUsedAt
    }
}
