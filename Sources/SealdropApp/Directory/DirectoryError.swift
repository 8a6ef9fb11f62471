import LDAPClient

/// Why the directory could not answer a membership question; the policy then fails closed and shows `description`.
///
/// Every LDAP failure keeps the client's own words (kind, `host:port`, phase, the server's result); it never
/// holds a password.
struct DirectoryError: Error, Sendable, CustomStringConvertible {
    /// The category of failure.
    enum Kind: Sendable, Equatable {
        /// `directory.enabled` is false.
        case notEnabled
        /// The settings cannot work (a URL, the user filter).
        case invalidConfiguration
        /// A rule's `filter:` selection does not parse.
        case invalidSelection
        /// The address belongs to more than one enabled user entry.
        case ambiguousUser
        /// Down, slow, TLS, credentials or an error result: what the LDAP client reported.
        case ldap
    }

    var kind: Kind
    var message: String
    /// The LDAP client's error, for `.ldap`.
    var underlying: LDAPError?

    init(_ kind: Kind, _ message: String, underlying: LDAPError? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    /// The LDAP client's error, kept whole (its description names `host:port` and the step).
    init(_ error: LDAPError) {
        self.init(.ldap, error.description, underlying: error)
    }

    var description: String { message }
}
