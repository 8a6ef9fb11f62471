import LDAPClient
import SealdropCore

/// The searches a directory lookup sends, built from values (never from text with user input in it), and how
/// their answers are read. Pure, so the escaping and the disabled-account rule are unit tested.
enum DirectoryQuery {
    /// `userAccountControl` bit `ACCOUNTDISABLE` (MS-ADTS 2.2.16).
    static let accountDisabled = 0x2

    /// Whether an address may be looked up at all: no control characters (servers cut values at a NUL), at most
    /// 320 bytes. Escaping keeps every other value from changing the filter.
    static func isAskable(_ address: String) -> Bool {
        !address.isEmpty && address.utf8.count <= 320 && !address.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// The configured user filter, parsed.
    static func userFilter(_ settings: DirectorySettings) throws(DirectoryError) -> LDAPFilter {
        do {
            return try LDAPFilter(parsing: settings.userFilter)
        } catch {
            throw DirectoryError(.invalidConfiguration, "directory.userFilter: \(error)")
        }
    }

    /// `(&<userFilter>(|(mail=a)(proxyAddresses=smtp:a)…))` with `a` escaped by the filter encoding.
    static func userSearch(_ address: String, _ settings: DirectorySettings) throws(DirectoryError) -> LDAPSearchRequest {
        let alternatives = settings.mailAttributes.map { attribute -> LDAPFilter in
            // AD matches proxyAddresses case-insensitively, so `smtp:` finds the primary `SMTP:` value too.
            attribute.lowercased() == "proxyaddresses" ? .equal(attribute, "smtp:" + address) : .equal(attribute, address)
        }
        return LDAPSearchRequest(baseObject: settings.baseDN, sizeLimit: 10, timeLimit: settings.timeoutSeconds,
                                 filter: .and([try userFilter(settings), .or(alternatives)]), attributes: ["userAccountControl"])
    }

    /// A search of one entry (`base`) that finds it only when it matches `filter`.
    static func entryTest(base: String, _ filter: LDAPFilter, _ settings: DirectorySettings) -> LDAPSearchRequest {
        LDAPSearchRequest(baseObject: base, scope: .baseObject, sizeLimit: 1, timeLimit: settings.timeoutSeconds, filter: filter, attributes: ["1.1"])
    }

    /// The membership test of `group:DN` for the user `userDN` by the configured method: the request, and its base.
    static func groupTest(userDN: String, groupDN: String, _ settings: DirectorySettings) -> LDAPSearchRequest {
        switch settings.groupMembership {
        case .inChain: entryTest(base: userDN, .inChain("memberOf", groupDN), settings)
        case .memberOf: entryTest(base: userDN, .equal("memberOf", groupDN), settings)
        case .member: entryTest(base: groupDN, .equal("member", userDN), settings)
        }
    }

    /// The test of `filter:(…)`: the user's entry must match the user filter and the selection's filter.
    static func filterTest(userDN: String, selection: String, _ settings: DirectorySettings) throws(DirectoryError) -> LDAPSearchRequest {
        let parsed: LDAPFilter
        do {
            parsed = try LDAPFilter(parsing: selection)
        } catch {
            throw DirectoryError(.invalidSelection, "filter:\(selection.prefix(200)): \(error)")
        }
        return entryTest(base: userDN, .and([try userFilter(settings), parsed]), settings)
    }

    /// The one enabled user among the entries found; nil when none, a problem when several.
    static func user(in entries: [LDAPEntry], address: String) throws(DirectoryError) -> LDAPEntry? {
        let enabled = entries.filter { !isDisabled($0) }
        guard enabled.count <= 1 else {
            throw DirectoryError(.ambiguousUser, "\(enabled.count) directory entries have the address \(address.prefix(200))")
        }
        return enabled.first
    }

    /// Whether Active Directory marks the account disabled (`userAccountControl` has bit 2).
    static func isDisabled(_ entry: LDAPEntry) -> Bool {
        entry["userAccountControl"].contains { Int($0.trimmingCharacters(in: .whitespaces)).map { $0 & accountDisabled != 0 } ?? false }
    }

    /// A DN compared by its attribute types and values, case-insensitively and without separator spacing.
    static func normalizedDN(_ text: String) -> String {
        guard let dn = try? LDAPDistinguishedName(parsing: text) else { return text.lowercased().trimmingCharacters(in: .whitespaces) }
        return dn.rdns.map { rdn in
            rdn.attributes.map { "\($0.type.lowercased())=\($0.value.lowercased())" }.sorted().joined(separator: "+")
        }.joined(separator: ",")
    }
}
