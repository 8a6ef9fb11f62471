import Foundation
import SealdropCore

/// Failures of the admin surfaces; the pages and the admin API map them in one place each.
public enum AdminError: Error, Sendable, Equatable {
    /// Unknown name, wrong password or (at sign-in) a locked account: never says which.
    case invalidCredentials
    /// Too many wrong passwords: logins are refused until then. Only re-authentication of a signed-in
    /// account says so; the sign-in form answers `invalidCredentials`, so it does not reveal which names exist.
    case accountLocked(until: Date)
    /// The account is disabled.
    case accountDisabled
    /// No valid session or token.
    case notSignedIn
    /// The role lacks the permission.
    case forbidden(AdminPermission)
    /// A sensitive action needs the password entered again.
    case reauthenticationRequired
    /// A form or API call without a matching CSRF token.
    case staleForm
    /// Input problems, each with the field (settings key path or form field) it belongs to.
    case invalid([FieldProblem])
    /// The key is set by the configuration file or environment and is read-only here.
    case pinned(String)
    case notFound(String)
    case conflict(String)
    /// The client address is outside the admin allow-list.
    case addressNotAllowed
    /// Too many sign-in attempts from one address in a minute.
    case tooManyAttempts
}

/// One input problem next to its field.
public struct FieldProblem: Sendable, Equatable, Codable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}
