/// Why Active Directory refused a bind, from the `data NNN` sub-code it puts in the diagnostic message
/// of `invalidCredentials (49)`, for example
/// `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v4563`.
///
/// The codes are Windows error numbers in hexadecimal; only the ones a bind reports are named here.
public enum ActiveDirectoryBindError: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `525`: no such user.
    case userNotFound = "525"
    /// `52e`: the user exists but the password is wrong.
    case invalidCredentials = "52e"
    /// `530`: the account may not sign in at this time of day.
    case notPermittedAtThisTime = "530"
    /// `531`: the account may not sign in from this workstation.
    case notPermittedFromThisWorkstation = "531"
    /// `532`: the password has expired.
    case passwordExpired = "532"
    /// `533`: the account is disabled.
    case accountDisabled = "533"
    /// `701`: the account has expired.
    case accountExpired = "701"
    /// `773`: the user must change the password before signing in.
    case passwordMustChange = "773"
    /// `775`: the account is locked out.
    case accountLockedOut = "775"

    /// Finds `data NNN` in a diagnostic message; `nil` when absent or not one of the known codes.
    public init?(diagnosticMessage: String) {
        let text = diagnosticMessage.lowercased()
        guard let marker = text.firstRange(of: "data ") else { return nil }
        let code = text[marker.upperBound...].prefix { $0.isHexDigit }
        self.init(rawValue: String(code))
    }

    /// An explanation an administrator can act on.
    public var description: String {
        switch self {
        case .userNotFound: "the user does not exist (AD 525)"
        case .invalidCredentials: "the password is wrong (AD 52e)"
        case .notPermittedAtThisTime: "the account may not sign in at this time (AD 530)"
        case .notPermittedFromThisWorkstation: "the account may not sign in from this computer (AD 531)"
        case .passwordExpired: "the password has expired (AD 532)"
        case .accountDisabled: "the account is disabled (AD 533)"
        case .accountExpired: "the account has expired (AD 701)"
        case .passwordMustChange: "the password must be changed before the next sign-in (AD 773)"
        case .accountLockedOut: "the account is locked out (AD 775)"
        }
    }
}
