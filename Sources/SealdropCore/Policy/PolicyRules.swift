import Foundation

/// The policy rules in force, in order, with how their settings are merged when several match and the
/// organisation's own domains for the "create default rules" action.
///
/// No rules at all keeps the single default rule of `PolicySettings` (sender and recipient patterns); with
/// rules, a sender or recipient no allowing rule matches is refused.
public struct PolicyRules: Codable, Sendable, Equatable {
    public var rules: [PolicyRule] = []
    public var conflicts = PolicyConflicts()
    /// The organisation's domains, for the default rules "internal ↔ anyone".
    public var internalDomains: [String] = []

    /// Most rules accepted.
    public static let maxRules = 1000

    public init(rules: [PolicyRule] = [], conflicts: PolicyConflicts = PolicyConflicts(), internalDomains: [String] = []) {
        self.rules = rules
        self.conflicts = conflicts
        self.internalDomains = internalDomains
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rules = try c.decodeIfPresent([PolicyRule].self, forKey: .rules) ?? []
        conflicts = try c.decodeIfPresent(PolicyConflicts.self, forKey: .conflicts) ?? PolicyConflicts()
        internalDomains = try c.decodeIfPresent([String].self, forKey: .internalDomains) ?? []
    }

    /// The usual setup: people of `internalDomains` may send to anyone, and anyone may send to them;
    /// strangers may not use the server between themselves.
    public static func defaultRules(internalDomains: [String], settings: RuleSettings = RuleSettings()) -> [PolicyRule] {
        [
            PolicyRule(name: "Internal senders to anyone", sender: .init(patterns: internalDomains), settings: settings),
            PolicyRule(name: "Anyone to internal recipients", recipient: .init(patterns: internalDomains), settings: settings),
        ]
    }

    /// Makes `domains` the organisation's own and appends the two default rules, named so that no name repeats.
    public mutating func addDefaultRules(internalDomains domains: [String]) {
        internalDomains = domains
        for var rule in Self.defaultRules(internalDomains: domains) {
            rule.name = Self.freeName(rule.name, in: rules)
            rules.append(rule)
        }
    }

    /// `name`, or `name (2)`, `name (3)`… whichever no rule in `rules` has (ignoring case).
    public static func freeName(_ name: String, in rules: [PolicyRule]) -> String {
        func taken(_ n: String) -> Bool { rules.contains { $0.name.caseInsensitiveCompare(n) == .orderedSame } }
        guard taken(name) else { return name }
        var number = 2
        while taken("\(name) (\(number))") { number += 1 }
        return "\(name) (\(number))"
    }

    /// Problems, each with the key of its field (`policyRules.rules[2].sender.patterns`), for refusing a save.
    public func problems() -> [(key: String, message: String)] {
        var found: [(String, String)] = []
        if rules.count > Self.maxRules { found.append(("policyRules.rules", "At most \(Self.maxRules) rules.")) }
        var names = Set<String>()
        for (index, rule) in rules.enumerated() {
            let key = "policyRules.rules[\(index)]"
            let name = rule.name.trimmingCharacters(in: .whitespaces)
            if name.isEmpty || name.count > 200 || name.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                found.append(("\(key).name", "A rule needs a name of 1 to 200 characters on one line."))
            } else if !names.insert(name.lowercased()).inserted {
                found.append(("\(key).name", "Another rule is named \(name.prefix(80)) already."))
            }
            for (sideName, side) in [("sender", rule.sender), ("recipient", rule.recipient)] {
                if side.patterns.count + side.ldap.count + side.networks.count > 10_000 {
                    found.append(("\(key).\(sideName)", "At most 10,000 patterns per side."))
                }
                for pattern in side.patterns {
                    do { _ = try AddressPattern(pattern) } catch { found.append(("\(key).\(sideName).patterns", error.message)) }
                }
                for selection in side.ldap {
                    do { _ = try DirectorySelection(selection) } catch { found.append(("\(key).\(sideName).ldap", error.message)) }
                }
                if sideName == "recipient", !side.networks.isEmpty {
                    found.append(("\(key).recipient.networks", "Networks belong to the sender side."))
                }
                for network in side.networks where IPNetwork(network) == nil {
                    found.append(("\(key).\(sideName).networks", "\(network.prefix(80)) is not a network like 10.0.0.0/8 or 2001:db8::/32."))
                }
            }
            let s = rule.settings
            if s.maxTotalSize < 1 { found.append(("\(key).settings.maxTotalSize", "Must be at least 1 byte.")) }
            if !(1...3650).contains(s.maxRetentionPeriod) { found.append(("\(key).settings.maxRetentionPeriod", "Must be between 1 and 3650 days.")) }
            if rule.action == .allow && s.allowedPasswordModes.isEmpty {
                found.append(("\(key).settings.securityModes", "An allowing rule needs at least one password mode."))
            }
            if !s.mailSenderAddress.isEmpty, EmailAddress(s.mailSenderAddress) == nil {
                found.append(("\(key).settings.mailSenderAddress", "\(s.mailSenderAddress.prefix(80)) is not an email address."))
            }
            if s.mailSenderName.count > 200 || s.mailSenderName.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                found.append(("\(key).settings.mailSenderName", "At most 200 characters on one line."))
            }
        }
        for domain in internalDomains {
            if case .domain = try? AddressPattern(domain) { continue }
            found.append(("policyRules.internalDomains", "\(domain.prefix(80)) is not a domain like example.com."))
        }
        for name in conflicts.switches.keys where !RuleSettings.switchNames.contains(name) {
            found.append(("policyRules.conflicts.switches", "\(name.prefix(80)) is not a switch of a rule."))
        }
        return found
    }
}

/// How the settings of several matching rules are merged.
public struct PolicyConflicts: Codable, Sendable, Equatable {
    /// Take the largest transfer size of the matching rules (else the smallest).
    public var useMaximumTransferSize: Bool = true
    /// Take the longest retention of the matching rules (else the shortest).
    public var useMaximumRetention: Bool = true
    /// The value of a switch when matching rules disagree, by `RuleSettings` member name; a switch not
    /// named here takes the server default (the global policy).
    public var switches: [String: Bool] = [:]
    /// Password modes: those any matching rule allows (`union`), or those all allow (`intersection`).
    public var passwordModes: Merge = .intersection

    /// How lists merge.
    public enum Merge: String, Codable, Sendable, CaseIterable { case union, intersection }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PolicyConflicts()
        useMaximumTransferSize = try c.decodeIfPresent(Bool.self, forKey: .useMaximumTransferSize) ?? d.useMaximumTransferSize
        useMaximumRetention = try c.decodeIfPresent(Bool.self, forKey: .useMaximumRetention) ?? d.useMaximumRetention
        switches = try c.decodeIfPresent([String: Bool].self, forKey: .switches) ?? d.switches
        passwordModes = try c.decodeIfPresent(Merge.self, forKey: .passwordModes) ?? d.passwordModes
    }
}

/// A directory selection of a rule side: a group (members, nested included), one user, or an LDAP filter
/// the user's entry must match.
public enum DirectorySelection: Sendable, Equatable, Hashable {
    case group(String)
    case user(String)
    case filter(String)

    /// Parses `group:DN`, `user:DN` or `filter:(…)`.
    public init(_ text: String) throws(AddressPattern.Problem) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count <= 4000, !t.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw AddressPattern.Problem("A directory selection is longer than 4000 characters or has a control character.")
        }
        let parts = t.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AddressPattern.Problem("\(t.prefix(80)) is not group:DN, user:DN or filter:(…).")
        }
        let value = String(parts[1]).trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "group": self = .group(value)
        case "user": self = .user(value)
        case "filter":
            guard value.hasPrefix("("), value.hasSuffix(")") else { throw AddressPattern.Problem("A filter is written in parentheses: filter:(department=Sales).") }
            self = .filter(value)
        default: throw AddressPattern.Problem("\(t.prefix(80)) is not group:DN, user:DN or filter:(…).")
        }
    }

    /// The written form.
    public var text: String {
        switch self {
        case .group(let dn): "group:\(dn)"
        case .user(let dn): "user:\(dn)"
        case .filter(let f): "filter:\(f)"
        }
    }
}
