/// The outcome a server reports for an operation (RFC 4511 §4.1.9).
///
/// ```
/// LDAPResult ::= SEQUENCE {
///      resultCode         ENUMERATED { ... },
///      matchedDN          LDAPDN,
///      diagnosticMessage  LDAPString,
///      referral           [3] Referral OPTIONAL }
/// ```
public struct LDAPResult: Sendable, Hashable, CustomStringConvertible {
    /// What happened.
    public var resultCode: LDAPResultCode
    /// For `noSuchObject` and similar: the deepest existing entry of the requested name.
    public var matchedDN: String
    /// The server's own words (Active Directory puts its `data NNN` sub-code here).
    public var diagnosticMessage: String
    /// For `referral`: where the server suggests asking instead (never followed by this client).
    public var referral: [String]

    /// Creates a result.
    public init(resultCode: LDAPResultCode, matchedDN: String = "", diagnosticMessage: String = "", referral: [String] = []) {
        self.resultCode = resultCode
        self.matchedDN = matchedDN
        self.diagnosticMessage = diagnosticMessage
        self.referral = referral
    }

    /// Whether the code is `success`.
    public var isSuccess: Bool { self.resultCode == .success }

    /// The Active Directory bind sub-code in the diagnostic message, if there is one.
    public var activeDirectoryBindError: ActiveDirectoryBindError? {
        ActiveDirectoryBindError(diagnosticMessage: self.diagnosticMessage)
    }

    public var description: String {
        var text = "\(self.resultCode)"
        if !self.diagnosticMessage.isEmpty { text += " \"\(self.diagnosticMessage)\"" }
        if !self.matchedDN.isEmpty { text += " matchedDN \"\(self.matchedDN)\"" }
        if !self.referral.isEmpty { text += " referral \(self.referral.joined(separator: " "))" }
        return text
    }
}
