import Foundation
import SealdropCore
import Synchronization

/// A rule list parsed once: patterns with their regular expressions compiled, directory selections and networks
/// parsed. Evaluating 200 rules for 20 recipients compiled every expression again per match (0.8 s per request,
/// measured by `scripts/bench/policy_bench.py`); the compiled list is kept until the rules change.
final class CompiledRules: @unchecked Sendable {
    /// A pattern ready to match; the compiled expression is only read after construction.
    struct Pattern {
        let pattern: AddressPattern
        let regex: Regex<AnyRegexOutput>?

        init?(_ text: String) {
            guard let pattern = try? AddressPattern(text) else { return nil }
            self.pattern = pattern
            if case .expression(let e) = pattern {
                guard let regex = try? Regex(e).ignoresCase() else { return nil }
                self.regex = regex
            } else {
                self.regex = nil
            }
        }

        func matches(_ address: EmailAddress) -> Bool {
            guard let regex else { return pattern.matches(address) }
            let input = address.normalized
            return input.count <= 254 && (try? regex.wholeMatch(in: input)) != nil
        }
    }

    /// One side of a rule, parsed.
    struct Side {
        let matchesEveryAddress: Bool
        let patterns: [Pattern]
        let selections: [DirectorySelection]
        let networks: [IPNetwork]
        let hasNetworks: Bool

        init(_ side: PolicyRule.Side) {
            matchesEveryAddress = side.matchesEveryAddress
            patterns = side.patterns.compactMap(Pattern.init)
            selections = side.ldap.compactMap { try? DirectorySelection($0) }
            networks = side.networks.compactMap(IPNetwork.init)
            hasNetworks = !side.networks.isEmpty
        }
    }

    /// A rule with its sides parsed.
    struct Rule {
        let rule: PolicyRule
        let sender: Side
        let recipient: Side
    }

    let source: [PolicyRule]
    let rules: [Rule]

    init(_ source: [PolicyRule]) {
        self.source = source
        rules = source.map { Rule(rule: $0, sender: Side($0.sender), recipient: Side($0.recipient)) }
    }
}

/// The compiled form of the rules in force, rebuilt when they change.
final class CompiledRulesCache: Sendable {
    private let current = Mutex<CompiledRules?>(nil)

    func rules(for source: [PolicyRule]) -> CompiledRules {
        if let cached = current.withLock({ $0 }), cached.source == source { return cached }
        let compiled = CompiledRules(source)
        current.withLock { $0 = compiled }
        return compiled
    }
}
