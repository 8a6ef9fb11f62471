import Foundation

/// The LDAP directory policy rules ask for `group:`, `user:` and `filter:` selections (`docs/directory.md`).
///
/// Off by default; then every directory selection fails closed, as without a directory. `bindPassword` is
/// sealed at rest (`SettingsSecrets`) and never shown by the admin API or pages.
public struct DirectorySettings: Codable, Sendable, Equatable {
    /// The kind of server: presets for the user filter, the mail attributes and how membership is asked.
    public enum ServerType: String, Codable, Sendable, CaseIterable {
        case activeDirectory, openLDAP, domino
    }

    /// How `group:DN` membership is asked.
    public enum GroupMembership: String, Codable, Sendable, CaseIterable {
        /// Active Directory's transitive `memberOf:1.2.840.113556.1.4.1941:=` (nested groups).
        case inChain
        /// The user's `memberOf` values (direct membership; OpenLDAP's memberof overlay).
        case memberOf
        /// The group's `member` values (direct membership).
        case member
    }

    /// The values a server type suggests; the settings' own values are what is used.
    public struct Preset: Sendable, Equatable {
        public let userFilter: String
        public let mailAttributes: [String]
        public let groupMembership: GroupMembership
    }

    public var enabled: Bool = false
    public var type: ServerType = .activeDirectory
    /// `ldap://host[:port]` (StartTLS required) or `ldaps://host[:port]`, tried in order.
    public var urls: [String] = []
    /// The service account: a DN, or for Active Directory `DOMAIN\user` or `user@domain`; empty binds anonymously.
    public var bindDN: String = ""
    /// The service account's password; sealed at rest, never shown.
    public var bindPassword: String = ""
    /// Where users are searched.
    public var baseDN: String = ""
    /// An RFC 4515 filter every user entry must match, for example `(objectClass=inetOrgPerson)`.
    public var userFilter: String = Self.preset(.activeDirectory).userFilter
    /// Attributes that hold a user's addresses; `proxyAddresses` values are read with their `smtp:` prefix.
    public var mailAttributes: [String] = Self.preset(.activeDirectory).mailAttributes
    public var groupMembership: GroupMembership = Self.preset(.activeDirectory).groupMembership
    /// How long an answer (member or not) is reused.
    public var cacheSeconds: Int = 300
    /// The limit of each step of a directory request (connect, TLS, bind, search).
    public var timeoutSeconds: Int = 10

    public init() {}

    /// The defaults of a server type (spec §2.12: AD `person`/`group`, Domino `dominoPerson`, OpenLDAP `inetOrgPerson`).
    public static func preset(_ type: ServerType) -> Preset {
        switch type {
        case .activeDirectory:
            Preset(userFilter: "(&(objectClass=user)(objectCategory=person))", mailAttributes: ["mail", "proxyAddresses"], groupMembership: .inChain)
        case .openLDAP:
            Preset(userFilter: "(objectClass=inetOrgPerson)", mailAttributes: ["mail"], groupMembership: .memberOf)
        case .domino:
            Preset(userFilter: "(objectClass=dominoPerson)", mailAttributes: ["mail"], groupMembership: .member)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DirectorySettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        type = try c.decodeIfPresent(ServerType.self, forKey: .type) ?? d.type
        let preset = Self.preset(type)
        urls = try c.decodeIfPresent([String].self, forKey: .urls) ?? d.urls
        bindDN = try c.decodeIfPresent(String.self, forKey: .bindDN) ?? d.bindDN
        bindPassword = try c.decodeIfPresent(String.self, forKey: .bindPassword) ?? d.bindPassword
        baseDN = try c.decodeIfPresent(String.self, forKey: .baseDN) ?? d.baseDN
        // Left out or empty: the server type's preset.
        let filter = try c.decodeIfPresent(String.self, forKey: .userFilter) ?? ""
        userFilter = filter.trimmingCharacters(in: .whitespaces).isEmpty ? preset.userFilter : filter
        let attributes = try c.decodeIfPresent([String].self, forKey: .mailAttributes) ?? []
        mailAttributes = attributes.isEmpty ? preset.mailAttributes : attributes
        groupMembership = try c.decodeIfPresent(GroupMembership.self, forKey: .groupMembership) ?? preset.groupMembership
        cacheSeconds = try c.decodeIfPresent(Int.self, forKey: .cacheSeconds) ?? d.cacheSeconds
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? d.timeoutSeconds
    }

    /// Problems that make the directory unusable, each starting with its key (checked also while disabled, so a
    /// saved configuration is usable once switched on; URLs, base DN and filter are required only when enabled).
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if enabled && urls.isEmpty { errors.append("directory.urls must name at least one ldap:// or ldaps:// server") }
        for url in urls where !Self.isDirectoryURL(url) {
            errors.append("directory.urls must be ldap://host[:port] (StartTLS) or ldaps://host[:port], not \(url.prefix(80))")
        }
        if enabled && baseDN.trimmingCharacters(in: .whitespaces).isEmpty { errors.append("directory.baseDN must name where users are searched") }
        // A bind name may be saved before its password, but not switched on without it.
        if enabled && !bindDN.isEmpty && bindPassword.isEmpty {
            errors.append("directory.bindPassword must be set when directory.bindDN is (an empty password is an anonymous bind)")
        }
        if (bindDN + baseDN + userFilter).unicodeScalars.contains(where: { $0.value < 0x20 }) {
            errors.append("directory.bindDN, directory.baseDN and directory.userFilter must be on one line")
        }
        if enabled || !userFilter.isEmpty, !Self.isParenthesized(userFilter) {
            errors.append("directory.userFilter must be an LDAP filter in parentheses, like (objectClass=inetOrgPerson)")
        }
        if mailAttributes.isEmpty || mailAttributes.contains(where: { !Self.isAttributeName($0) }) {
            errors.append("directory.mailAttributes must be one or more attribute names, like mail or proxyAddresses")
        }
        if !(1...86_400).contains(cacheSeconds) { errors.append("directory.cacheSeconds must be between 1 and 86400") }
        if !(1...300).contains(timeoutSeconds) { errors.append("directory.timeoutSeconds must be between 1 and 300") }
        return errors
    }

    /// `ldap://host[:port]` or `ldaps://host[:port]`, nothing after the authority but an optional `/`.
    static func isDirectoryURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        guard let rest = lower.hasPrefix("ldap://") ? text.dropFirst(7) : lower.hasPrefix("ldaps://") ? text.dropFirst(8) : nil else { return false }
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.isEmpty, authority.count <= 300, !authority.contains(where: { "/?@#".contains($0) || $0.isWhitespace }) else { return false }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else { return false }
            return colon != authority.startIndex
        }
        return true
    }

    /// Balanced parentheses around the whole filter (the LDAP client parses it fully when used).
    static func isParenthesized(_ text: String) -> Bool {
        guard text.hasPrefix("("), text.hasSuffix(")"), text.count <= 4000 else { return false }
        var depth = 0
        for (index, character) in text.enumerated() {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if depth < 0 || (depth == 0 && index != text.count - 1) { return false }
        }
        return depth == 0
    }

    /// An attribute type name (RFC 4512 `keystring`) or OID.
    static func isAttributeName(_ text: String) -> Bool {
        guard let first = text.first, text.count <= 100 else { return false }
        if first.isNumber { return text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } }
        return first.isASCII && first.isLetter && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
