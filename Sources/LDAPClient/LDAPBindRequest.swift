/// A simple bind (`BindRequest` with `simple` authentication, RFC 4511 §4.2); the password is never printed.
///
/// ```
/// BindRequest ::= [APPLICATION 0] SEQUENCE {
///      version                 INTEGER (1 ..  127),
///      name                    LDAPDN,
///      authentication          AuthenticationChoice }
/// AuthenticationChoice ::= CHOICE {
///      simple                  [0] OCTET STRING,
///      ... }
/// ```
/// The name is sent as given, so besides a DN it may be an Active Directory `DOMAIN\user` or
/// `user@domain` name: AD accepts those in a simple bind, other servers expect a DN.
public struct LDAPBindRequest: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The protocol version; always 3.
    public var version: Int
    /// The bind name (DN, `DOMAIN\user` or `user@domain`).
    public var name: String
    /// The password; never logged and never part of an error.
    public var password: String

    /// Creates a version 3 simple bind.
    public init(name: String, password: String) {
        self.version = 3
        self.name = name
        self.password = password
    }

    public var description: String { "BindRequest(name: \(self.name), password: <redacted>)" }
    public var debugDescription: String { self.description }
}
