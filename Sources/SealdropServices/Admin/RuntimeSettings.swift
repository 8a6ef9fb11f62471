import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// The run-time settings administrators edit: persisted in the database, overlaid by the keys the
/// configuration file pins, applied to the live `SettingsStore` at once, every change audited.
///
/// Secrets are sealed with the server key before they reach the database (see `SettingsSecrets`).
public final class RuntimeSettings: Sendable {
    /// Settings that decide where mail goes and where its links point: whoever changes them receives
    /// verification codes and download links. Changing one also writes a `mail.routing-changed` audit row,
    /// which the status page shows to the other administrators.
    public static let mailRoutingKeys: Set<String> = ConfiguredSettings.settingKeys

    public let store: SettingsStore
    let repository: any AdminRepository
    let audit: AuditLog
    let secrets: SettingsSecrets
    /// The configuration file's `settings` object (JSON text); its keys are read-only here.
    let pinnedJSON: String?
    /// Read-only key paths: those the configuration file's `settings` sets, plus `environmentPinned`.
    public let pinnedKeys: Set<String>
    let logger: Logger
    /// Changes one at a time: each reads the live settings, changes them and writes them back, and two interleaved
    /// would lose the first one's change (two administrators adding policy rules at the same moment).
    private let changes = AsyncBudget(limit: 1)

    /// `environmentPinned` names settings whose value an environment variable or a top-level configuration key
    /// decides (the relay, the sender address, the base URL); they are read-only like the file's settings.
    public init(store: SettingsStore, repository: any AdminRepository, audit: AuditLog, serverKey: ServerKey, pinnedJSON: String?,
                environmentPinned: Set<String> = [], logger: Logger) {
        self.store = store
        self.repository = repository
        self.audit = audit
        self.secrets = SettingsSecrets(serverKey: serverKey)
        self.pinnedJSON = pinnedJSON
        let fromFile = pinnedJSON.flatMap { SettingsJSON.object($0) }.map { Set(SettingsJSON.flatten($0).keys) } ?? []
        self.pinnedKeys = fromFile.union(environmentPinned)
        self.logger = logger
    }

    /// At start: the persisted settings with the pinned keys on top become the live settings. A secret
    /// still stored in plaintext (saved by an older version) is sealed and the row written again.
    public func loadPersisted() async throws {
        guard let saved = try await repository.persistedSettings(), let stored = SettingsJSON.object(saved) else { return }
        let opened = secrets.open(stored, logger: logger)
        var object = opened.object
        if opened.hadPlaintext {
            try await repository.persistSettings(try secrets.sealedText(opened.object), at: Date())
            logger.notice("settings.secrets.sealed")
        }
        if let pinnedJSON, let pinned = SettingsJSON.object(pinnedJSON) { object = SettingsJSON.merge(object, pinned) }
        do {
            let settings = try SettingsJSON.decode(object)
            if let problem = settings.validationErrors().first {
                logger.error("settings.persisted.invalid", metadata: ["problem": "\(problem)"])
                return
            }
            store.update { $0 = settings }
        } catch {
            logger.error("settings.persisted.unreadable", metadata: ["error": "\(error)"])
        }
    }

    /// Applies a change: validates the result, lets `authorize` refuse the changed keys, refuses pinned keys,
    /// persists (secrets sealed), switches the live settings and writes one audit row per changed key, plus a
    /// `mail.routing-changed` row when one of `mailRoutingKeys` changed. Returns the changed key paths.
    @discardableResult
    public func apply(actor: String, authorize: ([String]) throws -> Void = { _ in },
                      _ change: (inout SealdropSettings) throws(AdminError) -> Void) async throws -> [String] {
        await changes.acquire()
        defer { changes.release() }
        let old = store.current
        var new = old
        try change(&new)
        var problems = Self.fieldProblems(new.validationErrors())
        problems += Self.extraProblems(new)
        if !problems.isEmpty { throw AdminError.invalid(problems) }
        let before = SettingsJSON.flatten(try SettingsJSON.object(of: old))
        let after = SettingsJSON.flatten(try SettingsJSON.object(of: new))
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        guard !changed.isEmpty else { return [] }
        try authorize(changed)
        if let key = changed.first(where: isPinned) { throw AdminError.pinned(key) }
        try await repository.persistSettings(try secrets.sealedText(try SettingsJSON.object(of: new)), at: Date())
        store.update { $0 = new }
        var records = changed.map { key in
            AuditRecord(actor: actor, action: "settings.change", target: key,
                        oldValue: SettingsJSON.masked(key, before[key]), newValue: SettingsJSON.masked(key, after[key]))
        }
        let routing = changed.filter(Self.mailRoutingKeys.contains)
        if !routing.isEmpty {
            records.append(AuditRecord(actor: actor, action: Self.mailRoutingChanged, target: routing.joined(separator: ","),
                                       newValue: routing.map { "\($0)=\(SettingsJSON.masked($0, after[$0]) ?? "")" }.joined(separator: " ")))
            logger.warning("settings.mail-routing.changed", metadata: ["actor": "\(actor)", "keys": "\(routing.joined(separator: ","))"])
        }
        try await audit.record(records)
        logger.notice("settings.changed", metadata: ["actor": "\(actor)", "keys": "\(changed.joined(separator: ","))"])
        return changed
    }

    /// `SealdropSettings.validationErrors()` lines (`key sentence`) as problems next to their key.
    public static func fieldProblems(_ errors: [String]) -> [FieldProblem] {
        errors.map { text in
            let parts = text.split(separator: " ", maxSplits: 1)
            return FieldProblem(String(parts[0]), parts.count > 1 ? String(parts[1]).capitalizedFirst + "." : text)
        }
    }

    /// The audit action of a change to `mailRoutingKeys`.
    public static let mailRoutingChanged = "mail.routing-changed"

    /// The `mail.routing-changed` rows of the last `days` days, newest first: the status page's notices.
    public func recentMailRoutingChanges(days: Int = 30, limit: Int = 5, now: Date = Date()) async throws -> [AuditEntry] {
        try await repository.recentAuditEntries(action: Self.mailRoutingChanged, since: now.addingTimeInterval(-Double(days) * 86400), limit: limit)
    }

    /// Whether `key` (or a parent or child of it) is set by the configuration file.
    public func isPinned(_ key: String) -> Bool {
        pinnedKeys.contains { $0 == key || key.hasPrefix($0 + ".") || $0.hasPrefix(key + ".") }
    }

    /// What only the archive code can check: each age recipient's checksum and the metadata template's syntax. Caught
    /// here, when saved, because at finalize either would refuse every archived transfer.
    static func archiveProblems(_ archive: ArchiveSettings) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        for recipient in archive.ageRecipients {
            do {
                _ = try AgeRecipient(parsing: recipient)
            } catch {
                problems.append(FieldProblem("archive.ageRecipients", "\(recipient.prefix(70)) is not an age recipient: \(error)."))
            }
        }
        do {
            _ = try ArchiveMetadata(template: archive.metadataTemplate)
        } catch {
            problems.append(FieldProblem("archive.metadataTemplate", "The template does not compile: \(String(describing: error).prefix(200))."))
        }
        return problems
    }

    /// Checks `validationErrors()` leaves to the admin surface: bounds an operator would only hit by hand.
    static func extraProblems(_ s: SealdropSettings) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let p = s.password
        if p.maximumLength < p.minimumLength { problems.append(FieldProblem("password.maximumLength", "Must not be below the minimum length.")) }
        if p.maximumLength > 1024 { problems.append(FieldProblem("password.maximumLength", "Must be at most 1024.")) }
        if !(1...10_000).contains(s.downloadProtection.maxAttempts) { problems.append(FieldProblem("downloadProtection.maxAttempts", "Must be between 1 and 10000.")) }
        if !(1...525_600).contains(s.downloadProtection.lockMinutes) { problems.append(FieldProblem("downloadProtection.lockMinutes", "Must be between 1 and 525600 (a year).")) }
        for address in s.downloadProtection.adminEmails where EmailAddress(address) == nil {
            problems.append(FieldProblem("downloadProtection.adminEmails", "\(address.prefix(80)) is not an email address."))
        }
        for address in s.digest.recipients where EmailAddress(address) == nil {
            problems.append(FieldProblem("digest.recipients", "\(address.prefix(80)) is not an email address."))
        }
        if !(0...500).contains(s.digest.rows) { problems.append(FieldProblem("digest.rows", "Must be between 0 and 500.")) }
        if !(0...36_500).contains(s.retention.endedTransferDays) {
            problems.append(FieldProblem("retention.endedTransferDays", "Must be between 0 (keep forever) and 36500."))
        }
        if !(0...36_500).contains(s.retention.outboxDays) { problems.append(FieldProblem("retention.outboxDays", "Must be between 0 (keep forever) and 36500.")) }
        let v = s.verification
        if !(0...3650).contains(v.maxValidityDays) { problems.append(FieldProblem("verification.maxValidityDays", "Must be between 0 and 3650.")) }
        if !(0...3650).contains(v.idleValidityDays) { problems.append(FieldProblem("verification.idleValidityDays", "Must be between 0 and 3650.")) }
        if !(1...1440).contains(v.codeValidityMinutes) { problems.append(FieldProblem("verification.codeValidityMinutes", "Must be between 1 and 1440.")) }
        for (id, description) in v.registeredClientIds {
            if id.isEmpty || id.count > 128 || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
                problems.append(FieldProblem("verification.registeredClientIds", "Client id \(id.prefix(40)) must be 1 to 128 letters, digits, dashes, dots or underscores."))
            }
            if description.count > 200 { problems.append(FieldProblem("verification.registeredClientIds", "Descriptions have at most 200 characters.")) }
        }
        if s.cors.mode == .list {
            for origin in s.cors.origins where !Self.isOrigin(origin) {
                problems.append(FieldProblem("cors.origins", "\(origin.prefix(80)) is not an origin like https://owa.example.com."))
            }
        }
        problems += productKeyProblems(s.productKeys)
        problems += archiveProblems(s.archive)
        if s.policy.maxTotalSize > 1 << 50 { problems.append(FieldProblem("policy.maxTotalSize", "Must be at most 1 PiB.")) }
        for text in s.legal.terms + [s.legal.imprint] {
            if !["html", "link", "text"].contains(text.type) { problems.append(FieldProblem("legal", "The type must be text, html or link.")) }
            if text.type == "link", let url = URL(string: text.content), !["https", "http"].contains(url.scheme ?? "") {
                problems.append(FieldProblem("legal", "A link must be an http(s) URL."))
            }
            if text.content.utf8.count > 100_000 { problems.append(FieldProblem("legal", "A legal text has at most 100,000 bytes.")) }
        }
        return problems
    }

    /// Registered product keys go into URL paths and headers: 1 to 64 letters, digits, dots, dashes or
    /// underscores, at most 100 of them, none twice.
    static func productKeyProblems(_ keys: [String]) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        for key in keys where key.isEmpty || key.count > 64 || !key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            problems.append(FieldProblem("productKeys", "\(key.prefix(40)) must be 1 to 64 letters, digits, dots, dashes or underscores."))
        }
        if keys.count > 100 { problems.append(FieldProblem("productKeys", "At most 100 product keys.")) }
        if Set(keys).count != keys.count { problems.append(FieldProblem("productKeys", "Each product key once.")) }
        return problems
    }

    /// `scheme://host[:port]` with http(s) and nothing else.
    static func isOrigin(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), ["http", "https"].contains(url.scheme ?? ""), let host = url.host, !host.isEmpty,
              url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil else { return false }
        return text.allSatisfy { $0.isASCII && !$0.isWhitespace }
    }
}

/// JSON views of the settings: objects, flattened key paths, deep merge, masking.
public enum SettingsJSON {
    public static func object(of settings: SealdropSettings) throws -> [String: Any] {
        let data = try JSONEncoder().encode(settings)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    public static func text(of settings: SealdropSettings) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(settings), as: UTF8.self)
    }

    public static func object(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    public static func decode(_ object: [String: Any]) throws -> SealdropSettings {
        try JSONDecoder().decode(SealdropSettings.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// `overlay` on top of `base`, objects merged key by key, everything else replaced.
    public static func merge(_ base: [String: Any], _ overlay: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in overlay {
            if let inner = value as? [String: Any], let existing = result[key] as? [String: Any] {
                result[key] = merge(existing, inner)
            } else {
                result[key] = value
            }
        }
        return result
    }

    /// Leaves by dotted key path; arrays and maps of strings count as one leaf, as compact sorted JSON.
    public static func flatten(_ object: [String: Any], prefix: String = "") -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let inner = value as? [String: Any], !isLeafMap(path) {
                result.merge(flatten(inner, prefix: path)) { $1 }
            } else {
                result[path] = leafText(value)
            }
        }
        return result
    }

    /// Optional settings absent from the JSON while unset.
    public static let optionalKeys: Set<String> = ["legal.termsLastChange"]

    /// Maps edited as a whole (client ids with descriptions).
    public static func isLeafMap(_ path: String) -> Bool { path == "verification.registeredClientIds" }

    static func leafText(_ value: Any) -> String {
        if let string = value as? String { return string }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    /// Secrets never reach the audit log: values of keys naming a password, secret or token are masked,
    /// and a URL's password is replaced.
    public static func masked(_ key: String, _ value: String?) -> String? {
        guard let value else { return nil }
        let last = key.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if ["secret", "token", "credential"].contains(where: last.contains) || (last.contains("password") && !key.hasPrefix("password.")
            && !last.hasSuffix("modes") && !last.contains("summary")) {
            return value.isEmpty ? "" : "••••"
        }
        if let url = URLComponents(string: value), url.password != nil {
            var copy = url
            copy.password = "••••"
            return copy.string ?? "••••"
        }
        return value
    }
}

extension String {
    /// The string with its first letter upper-cased.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
