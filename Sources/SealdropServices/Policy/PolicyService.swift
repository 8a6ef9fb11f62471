import Foundation
import SealdropCore

/// Evaluates the transfer policy: who may send to whom, and with which limits (spec §6.1, `docs/policy.md`).
///
/// Without rules there is one default rule from `policy` (sender and recipient patterns). With rules, matching
/// is in two steps: the rules whose sender side matches the sender (and whose networks hold the client), then
/// each recipient against those rules' recipient sides. A recipient is allowed when an allowing rule matches and
/// no declining one does; a sender is refused when no allowing rule matches it. The settings of every allowing
/// rule that matched are merged by `PolicyConflicts` onto the global `policy`. A directory that cannot answer
/// makes its selections not match: fail closed, never a silent allow.
public struct PolicyService: Sendable {
    /// The result for one sender and a set of recipients.
    public struct Evaluation: Sendable {
        /// The sender may send and every recipient is allowed.
        public var allowed: Bool
        /// Some allowing rule matches the sender.
        public var senderAllowed: Bool
        public var failedRecipients: [EmailAddress]
        /// The effective settings: the global policy with the matching rules' settings merged in.
        public var settings: PolicySettings
        /// The merged rule settings (nil without rules or without a match): mail sender, logging.
        public var ruleSettings: RuleSettings?
        /// Names of the rules that matched the sender and at least one recipient (or the sender, without recipients).
        public var matchedRules: [String]
        /// Why a directory selection could not be evaluated, when one could not.
        public var directoryProblem: String?
    }

    let settings: SettingsStore
    let directory: any DirectoryMembership
    /// The rules parsed and their expressions compiled once per change.
    let compiled = CompiledRulesCache()

    public init(settings: SettingsStore, directory: any DirectoryMembership = NoDirectory()) {
        self.settings = settings
        self.directory = directory
    }

    /// Throws 403/3010 when the sender may not send at all.
    public func checkSender(_ sender: EmailAddress, clientIP: String? = nil) async throws {
        let result = await explain(sender: sender, recipients: [], clientIP: clientIP)
        guard result.senderAllowed else { throw SealdropError.senderRejected }
    }

    /// Evaluates sender and recipients; throws 403/3010 for a rejected sender.
    public func evaluate(sender: EmailAddress, recipients: [EmailAddress], clientIP: String? = nil) async throws -> Evaluation {
        let result = await explain(sender: sender, recipients: recipients, clientIP: clientIP)
        guard result.senderAllowed else { throw SealdropError.senderRejected }
        return result
    }

    /// The settings in force for a transfer about to be finalized, with what the rules decide besides limits.
    public func finalizing(_ transfer: TransferRecord) async throws -> (settings: PolicySettings, output: TransferSettings.RuleOutput?, rules: [String]) {
        let result = try await evaluate(sender: transfer.senderEmail, recipients: transfer.recipients.all.map(\.address), clientIP: transfer.senderIP)
        guard result.allowed else { throw SealdropError.recipientRejected }
        let output = result.ruleSettings.map {
            TransferSettings.RuleOutput(mailSenderName: $0.mailSenderName, mailSenderAddress: $0.mailSenderAddress,
                                        logSubjects: $0.logSubjects, logFileNames: $0.logFileNames, archive: $0.archive)
        }
        return (result.settings, output, result.matchedRules)
    }

    /// The settings in force for a session or transfer now: its sender, recipients and client address evaluated
    /// again (the rules may have changed since it was opened); 403/3010 or 403/3011 when they no longer allow it.
    public func settings(for transfer: TransferRecord) async throws -> PolicySettings {
        let result = try await evaluate(sender: transfer.senderEmail, recipients: transfer.recipients.all.map(\.address), clientIP: transfer.senderIP)
        guard result.allowed else { throw SealdropError.recipientRejected }
        return result.settings
    }

    /// The evaluation without throwing, for the admin's "test" and for callers that show refusals themselves.
    public func explain(sender: EmailAddress, recipients: [EmailAddress], clientIP: String?) async -> Evaluation {
        let current = settings.current
        let global = current.policy
        guard !current.policyRules.rules.isEmpty else {
            let senderAllowed = Self.legacyMatches(sender, patterns: global.senderPatterns)
            let failed = recipients.filter { !Self.legacyMatches($0, patterns: global.recipientPatterns) }
            return Evaluation(allowed: senderAllowed && failed.isEmpty, senderAllowed: senderAllowed, failedRecipients: failed,
                              settings: global, ruleSettings: nil, matchedRules: senderAllowed ? ["default"] : [], directoryProblem: nil)
        }
        var matcher = SideMatcher(directory: directory)
        let rules = compiled.rules(for: current.policyRules.rules).rules
        var senderRules: [CompiledRules.Rule] = []
        for rule in rules where await matcher.matches(sender, rule.sender, clientIP: clientIP) { senderRules.append(rule) }
        let senderAllowed = senderRules.contains { $0.rule.action == .allow }
        var used: [PolicyRule] = []
        var failed: [EmailAddress] = []
        if recipients.isEmpty {
            used = senderRules.filter { $0.rule.action == .allow }.map(\.rule)
        } else {
            for recipient in recipients {
                var allowing: [PolicyRule] = []
                var declined = false
                for compiledRule in senderRules where await matcher.matches(recipient, compiledRule.recipient, clientIP: nil) {
                    let rule = compiledRule.rule
                    if rule.action == .decline { declined = true } else { allowing.append(rule) }
                }
                if declined || allowing.isEmpty {
                    failed.append(recipient)
                } else {
                    for rule in allowing where !used.contains(where: { $0.name == rule.name }) { used.append(rule) }
                }
            }
        }
        let merged = used.isEmpty ? nil : PolicyMerge.merge(used.map(\.settings), conflicts: current.policyRules.conflicts, defaults: global)
        return Evaluation(
            allowed: senderAllowed && failed.isEmpty, senderAllowed: senderAllowed, failedRecipients: failed,
            settings: merged.map { PolicyMerge.effective(global, $0) } ?? global, ruleSettings: merged,
            matchedRules: used.map(\.name), directoryProblem: matcher.problem)
    }

    /// The pre-rules default rule: an empty pattern list matches everything; `^…$` is a regular expression.
    static func legacyMatches(_ address: EmailAddress, patterns: [String]) -> Bool {
        guard !patterns.isEmpty else { return true }
        return patterns.contains { text in (try? AddressPattern(text))?.matches(address) ?? false }
    }
}

/// Matches addresses against rule sides, asking the directory at most once per address and selection within
/// one evaluation, and remembering the first directory failure.
struct SideMatcher {
    let directory: any DirectoryMembership
    var answers: [String: Bool] = [:]
    var problem: String?

    init(directory: any DirectoryMembership) {
        self.directory = directory
    }

    mutating func matches(_ address: EmailAddress, _ side: CompiledRules.Side, clientIP: String?) async -> Bool {
        if side.hasNetworks {
            guard let clientIP, side.networks.contains(where: { $0.contains(clientIP) }) else { return false }
        }
        if side.matchesEveryAddress { return true }
        for pattern in side.patterns where pattern.matches(address) { return true }
        for selection in side.selections {
            let key = address.normalized + "\u{0}" + selection.text
            if let known = answers[key] {
                if known { return true }
                continue
            }
            do {
                let member = try await directory.matches(address, selection)
                answers[key] = member
                if member { return true }
            } catch {
                answers[key] = false
                if problem == nil { problem = "The directory could not be asked (\(error))." }
            }
        }
        return false
    }
}
