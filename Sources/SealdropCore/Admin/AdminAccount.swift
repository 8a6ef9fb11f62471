import Foundation

/// An administrator account; end users have no accounts.
public struct AdminAccount: Sendable, Equatable {
    /// Login name: 1–64 of `[A-Za-z0-9._@-]`.
    public var name: String
    public var role: AdminRole
    /// A bcrypt hash (`$2b$…`); the password itself is never stored.
    public var passwordHash: String
    public var disabled: Bool
    /// Wrong passwords since the last successful login or lock.
    public var failedAttempts: Int
    /// Logins are refused until then after too many wrong passwords.
    public var lockedUntil: Date?
    public var createdAt: Date
    public var lastLoginAt: Date?

    public init(name: String, role: AdminRole, passwordHash: String, disabled: Bool = false, failedAttempts: Int = 0,
                lockedUntil: Date? = nil, createdAt: Date, lastLoginAt: Date? = nil) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }

    /// Whether `name` is an acceptable login name.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._@-".contains($0)) }
    }
}

/// A signed-in browser: the session cookie's hash, its account and its CSRF token.
public struct AdminSession: Sendable, Equatable {
    /// SHA-256 of the cookie value; the value itself is only in the browser.
    public var tokenHash: [UInt8]
    public var accountName: String
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date
    /// When the password was last entered (login or re-authentication), for sensitive actions.
    public var authenticatedAt: Date

    public init(tokenHash: [UInt8], accountName: String, csrfToken: String, createdAt: Date, lastSeenAt: Date, authenticatedAt: Date) {
        self.tokenHash = tokenHash
        self.accountName = accountName
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.authenticatedAt = authenticatedAt
    }
}

/// A token for the admin JSON API; acts with its own role, named for the automation that uses it.
public struct AdminAPIToken: Sendable, Equatable {
    public var id: Int64?
    /// SHA-256 of the token; the token is shown once, when created.
    public var tokenHash: [UInt8]
    public var label: String
    public var role: AdminRole
    /// The administrator who created it.
    public var createdBy: String
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(id: Int64? = nil, tokenHash: [UInt8], label: String, role: AdminRole, createdBy: String, createdAt: Date, lastUsedAt: Date? = nil) {
        self.id = id
        self.tokenHash = tokenHash
        self.label = label
        self.role = role
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}
