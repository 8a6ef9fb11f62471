/// What to search for (`SearchRequest`, RFC 4511 §4.5.1).
///
/// ```
/// SearchRequest ::= [APPLICATION 3] SEQUENCE {
///      baseObject      LDAPDN,
///      scope           ENUMERATED { baseObject (0), singleLevel (1), wholeSubtree (2), ... },
///      derefAliases    ENUMERATED { neverDerefAliases (0), derefInSearching (1),
///                                   derefFindingBaseObj (2), derefAlways (3) },
///      sizeLimit       INTEGER (0 ..  maxInt),
///      timeLimit       INTEGER (0 ..  maxInt),
///      typesOnly       BOOLEAN,
///      filter          Filter,
///      attributes      AttributeSelection }
/// ```
public struct LDAPSearchRequest: Sendable, Hashable {
    /// How deep below the base the search goes.
    public enum Scope: Int, Sendable, Hashable {
        /// Only the base entry itself.
        case baseObject = 0
        /// The base's immediate children.
        case singleLevel = 1
        /// The base and everything below it.
        case wholeSubtree = 2
    }

    /// When the server follows alias entries.
    public enum DerefAliases: Int, Sendable, Hashable {
        /// Never.
        case never = 0
        /// Below the base, not at it.
        case inSearching = 1
        /// At the base only.
        case findingBaseObject = 2
        /// Always.
        case always = 3
    }

    /// Where the search starts.
    public var baseObject: String
    /// How deep it goes. Default: the whole subtree.
    public var scope: Scope
    /// Alias handling. Default: never.
    public var derefAliases: DerefAliases
    /// The most entries the server should return; 0 asks for the server's own limit. Default: 0.
    public var sizeLimit: Int
    /// The most seconds the server should spend; 0 asks for the server's own limit. Default: 0.
    public var timeLimit: Int
    /// Whether only attribute names are wanted. Default: `false`.
    public var typesOnly: Bool
    /// Which entries match.
    public var filter: LDAPFilter
    /// Which attributes to return; empty means all user attributes. Default: empty.
    public var attributes: [String]

    /// Creates a search request.
    public init(
        baseObject: String,
        scope: Scope = .wholeSubtree,
        derefAliases: DerefAliases = .never,
        sizeLimit: Int = 0,
        timeLimit: Int = 0,
        typesOnly: Bool = false,
        filter: LDAPFilter,
        attributes: [String] = []
    ) {
        self.baseObject = baseObject
        self.scope = scope
        self.derefAliases = derefAliases
        self.sizeLimit = sizeLimit
        self.timeLimit = timeLimit
        self.typesOnly = typesOnly
        self.filter = filter
        self.attributes = attributes
    }
}
