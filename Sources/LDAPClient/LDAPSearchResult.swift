/// What a search returned: entries, continuation references (reported, never chased) and the final result.
public struct LDAPSearchResult: Sendable, Hashable {
    /// The entries, in the server's order.
    public var entries: [LDAPEntry]
    /// `SearchResultReference` URIs: parts of the tree held by other servers (for example Active
    /// Directory's `ldap://…/CN=Configuration,…` at the domain root). This client does not follow them.
    public var references: [[String]]
    /// The `SearchResultDone` result (for a paged search: of the last page).
    public var result: LDAPResult
    /// The response controls of the `SearchResultDone` (for a paged search: of the last page).
    public var controls: [LDAPControl]

    /// Creates a result.
    public init(entries: [LDAPEntry] = [], references: [[String]] = [], result: LDAPResult, controls: [LDAPControl] = []) {
        self.entries = entries
        self.references = references
        self.result = result
        self.controls = controls
    }

    /// Whether the server returned everything: `false` after `sizeLimitExceeded` or `timeLimitExceeded`,
    /// whose entries are kept but must not be read as the whole answer.
    public var isComplete: Bool { self.result.isSuccess }
}
