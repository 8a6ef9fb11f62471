import Foundation
import SealdropCore
import SealdropServices

/// The settings pages of the admin interface: each section is a list of fields bound to settings key
/// paths. The same catalogue renders the forms, reads them back into a JSON patch and names the keys the
/// admin API accepts per section.
struct SettingsSection: Sendable {
    /// How a field is edited and turned back into JSON.
    enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case flag
        case text
        /// One entry per line → JSON array of strings.
        case lines
        /// A fixed choice → JSON string.
        case choice([String])
        /// `id = description` per line → JSON object.
        case clientIds
        /// An amount shown in MiB, stored in bytes.
        case mebibytes
        /// A password: never shown, left unchanged when submitted empty.
        case secret
        /// A secret of several lines (a private key): never shown, left unchanged when submitted empty.
        case secretText
        /// Text of several lines kept as one string (a template).
        case longText
    }

    /// One field of a section; `permission` when the field needs more than its section.
    struct Field: Sendable {
        let key: String
        let kind: Kind
        var permission: AdminPermission? = nil
    }

    let id: String
    /// The permission the section needs besides signing in.
    let permission: AdminPermission
    let fields: [Field]

    static let all: [SettingsSection] = [
        SettingsSection(id: "connection", permission: .editSettings, fields: [
            Field(key: "publicBaseURL", kind: .text, permission: .manageMail),
            Field(key: "redirectHTTPToHTTPS", kind: .flag),
            Field(key: "adminRedirectHTTPToHTTPS", kind: .flag),
            Field(key: "frameAncestors", kind: .lines),
            Field(key: "cors.mode", kind: .choice(["off", "list", "all"])),
            Field(key: "cors.origins", kind: .lines),
        ]),
        SettingsSection(id: "mail", permission: .manageMail, fields: [
            Field(key: "mail.relayURL", kind: .text),
            Field(key: "mail.from", kind: .text),
        ]),
        SettingsSection(id: "verification", permission: .editSettings, fields: [
            Field(key: "verification.maxValidityDays", kind: .integer(0...3650)),
            Field(key: "verification.idleValidityDays", kind: .integer(0...3650)),
            Field(key: "verification.codeValidityMinutes", kind: .integer(1...1440)),
            Field(key: "verification.maxCodeAttempts", kind: .integer(1...100)),
            Field(key: "verification.maxCodeRequestsPer10Minutes", kind: .integer(1...1000)),
            Field(key: "verification.maxCodeRequestsPerClientPer10Minutes", kind: .integer(1...1000)),
            Field(key: "verification.maxCodeRequestsPerSourcePer10Minutes", kind: .integer(1...100_000)),
            Field(key: "verification.maxCodeMailsPerMinute", kind: .integer(1...100_000)),
            Field(key: "verification.maxCodeMailsPerHour", kind: .integer(1...1_000_000)),
            Field(key: "verification.emailVerificationEnabled", kind: .flag),
            Field(key: "legal.termsActive", kind: .flag),
            Field(key: "verification.registeredClientIds", kind: .clientIds),
        ]),
        SettingsSection(id: "transfer", permission: .editSettings, fields: [
            Field(key: "policy.maxRetentionDays", kind: .integer(1...365)),
            Field(key: "policy.defaultRetentionDays", kind: .integer(1...365)),
            Field(key: "policy.maxTotalSize", kind: .mebibytes),
            Field(key: "policy.checksumsEnabled", kind: .flag),
            Field(key: "policy.showFileNamesDefault", kind: .flag),
            Field(key: "policy.sendDownloadNotificationsDefault", kind: .flag),
            Field(key: "policy.confidentialMessageAllowed", kind: .flag),
            Field(key: "policy.generatedPasswordInUploadSummary", kind: .flag),
        ]),
        SettingsSection(id: "password", permission: .editSettings, fields: [
            Field(key: "password.minimumLength", kind: .integer(1...1024)),
            Field(key: "password.maximumLength", kind: .integer(1...1024)),
            Field(key: "password.minimumLengthRequired", kind: .flag),
            Field(key: "password.maximumLengthRequired", kind: .flag),
            Field(key: "password.lettersRequired", kind: .flag),
            Field(key: "password.upperCaseRequired", kind: .flag),
            Field(key: "password.lowerCaseRequired", kind: .flag),
            Field(key: "password.digitsRequired", kind: .flag),
            Field(key: "password.specialCharactersRequired", kind: .flag),
            Field(key: "password.whitespacesDeclined", kind: .flag),
            Field(key: "password.alphabeticalSequenceDeclined", kind: .flag),
            Field(key: "password.numericSequenceDeclined", kind: .flag),
            Field(key: "password.keyboardSequenceDeclined", kind: .flag),
            Field(key: "password.repeatedCharactersDeclined", kind: .flag),
            Field(key: "password.sequenceLength", kind: .integer(2...20)),
            Field(key: "password.dictionaryWordsDeclined", kind: .flag),
            Field(key: "password.dictionaryWords", kind: .lines),
            Field(key: "password.blacklistedCharacters", kind: .text),
        ]),
        SettingsSection(id: "protection", permission: .editSettings, fields: [
            Field(key: "downloadProtection.maxAttempts", kind: .integer(1...10_000)),
            Field(key: "downloadProtection.action", kind: .choice(["lock", "delete"])),
            Field(key: "downloadProtection.lockMinutes", kind: .integer(1...525_600)),
            Field(key: "downloadProtection.adminEmails", kind: .lines),
        ]),
        SettingsSection(id: "branding", permission: .editSettings, fields: [
            Field(key: "branding.productName", kind: .text),
            Field(key: "branding.accentColor", kind: .text),
            Field(key: "branding.backgroundColor", kind: .text),
            Field(key: "branding.textColor", kind: .text),
        ]),
        SettingsSection(id: "products", permission: .editSettings, fields: [
            Field(key: "productKeys", kind: .lines),
        ]),
        SettingsSection(id: "network", permission: .editSettings, fields: [
            Field(key: "adminAllowedNetworks", kind: .lines),
        ]),
        SettingsSection(id: "directory", permission: .editSettings, fields: [
            Field(key: "directory.enabled", kind: .flag),
            Field(key: "directory.type", kind: .choice(DirectorySettings.ServerType.allCases.map(\.rawValue))),
            Field(key: "directory.urls", kind: .lines),
            Field(key: "directory.bindDN", kind: .text),
            Field(key: "directory.bindPassword", kind: .secret),
            Field(key: "directory.baseDN", kind: .text),
            Field(key: "directory.userFilter", kind: .text),
            Field(key: "directory.mailAttributes", kind: .lines),
            Field(key: "directory.groupMembership", kind: .choice(DirectorySettings.GroupMembership.allCases.map(\.rawValue))),
            Field(key: "directory.cacheSeconds", kind: .integer(1...86_400)),
            Field(key: "directory.timeoutSeconds", kind: .integer(1...300)),
        ]),
        SettingsSection(id: "archive", permission: .editSettings, fields: [
            Field(key: "archive.enabled", kind: .flag),
            Field(key: "archive.connector", kind: .choice(ArchiveSettings.Connector.allCases.map(\.rawValue))),
            Field(key: "archive.url", kind: .text),
            Field(key: "archive.password", kind: .secret),
            Field(key: "archive.privateKey", kind: .secretText),
            Field(key: "archive.privateKeyPassphrase", kind: .secret),
            Field(key: "archive.hostKeyFingerprint", kind: .text),
            Field(key: "archive.writeSuffix", kind: .text),
            Field(key: "archive.readySuffix", kind: .text),
            Field(key: "archive.archivedSuffix", kind: .text),
            Field(key: "archive.eml", kind: .flag),
            Field(key: "archive.mode", kind: .choice(ArchiveSettings.Mode.allCases.map(\.rawValue))),
            Field(key: "archive.ageRecipients", kind: .lines),
            Field(key: "archive.metadataFileName", kind: .text),
            Field(key: "archive.metadataTemplate", kind: .longText),
            Field(key: "archive.timeoutSeconds", kind: .integer(1...600)),
        ]),
        SettingsSection(id: "retention", permission: .editSettings, fields: [
            Field(key: "retention.endedTransferDays", kind: .integer(0...36_500)),
            Field(key: "retention.outboxDays", kind: .integer(0...36_500)),
            Field(key: "digest.recipients", kind: .lines),
            Field(key: "digest.rows", kind: .integer(0...500)),
        ]),
        SettingsSection(id: "backup", permission: .editSettings, fields: [
            Field(key: "backup.directory", kind: .text),
            Field(key: "backup.prefix", kind: .text),
            Field(key: "backup.keep", kind: .integer(1...1000)),
            Field(key: "backup.includeServerKey", kind: .flag),
        ]),
    ]

    /// Secrets of the settings document: never shown, and an empty value in a patch keeps the stored one.
    static let secretKeys = ["directory.bindPassword", "archive.password", "archive.privateKey", "archive.privateKeyPassphrase"]

    static func named(_ id: String) -> SettingsSection? { id == "legal" ? legal : all.first { $0.id == id } }

    /// Whether `role` may change `field` (beyond the section's own permission).
    static func allows(_ role: AdminRole, _ field: Field) -> Bool { field.permission.map(role.allows) ?? true }

    /// The top-level keys the admin API accepts for this section.
    var keys: Set<String> { id == "legal" ? ["legal.terms", "legal.imprint", "legal.termsLastChange"] : Set(fields.map(\.key)) }

    /// Legal texts are edited as a whole (`legal.terms`, `legal.imprint`); the page has its own form.
    static let legal = SettingsSection(id: "legal", permission: .editSettings, fields: [])

    // Form values and patches stay `[String: Any]`: they are addressed by dotted keys of the settings document
    // and merged into it by `RuntimeSettings.apply(patch:)`, so their shape is data, not code.

    /// The current value of each field of this section, as the form shows it.
    func formValues(_ settings: SealdropSettings) throws -> [String: Any] {
        let flat = try SettingsJSON.object(of: settings)
        var values: [String: Any] = [:]
        for field in fields {
            let value = Self.lookup(flat, field.key)
            switch field.kind {
            case .lines: values[field.key] = ((value as? [Any]) ?? []).map { "\($0)" }.joined(separator: "\n")
            case .clientIds:
                values[field.key] = ((value as? [String: Any]) ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n")
            case .mebibytes: values[field.key] = String(((value as? NSNumber)?.int64Value ?? 0) / (1024 * 1024))
            case .flag: values[field.key] = (value as? Bool) ?? false
            case .secret, .secretText: values[field.key] = ""
            default: values[field.key] = value.map { "\($0)" } ?? ""
            }
        }
        return values
    }

    /// The JSON patch a submitted form means; fields that cannot be read become problems.
    func patch(from form: [String: String]) -> (patch: [String: Any], problems: [FieldProblem]) {
        var patch: [String: Any] = [:]
        var problems: [FieldProblem] = []
        for field in fields {
            let raw = form[field.key] ?? ""
            let value: Any
            switch field.kind {
            case .flag: value = raw == "on" || raw == "true"
            case .integer(let range):
                guard let number = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
                    problems.append(FieldProblem(field.key, "Enter a whole number from \(range.lowerBound) to \(range.upperBound)."))
                    continue
                }
                value = number
            case .mebibytes:
                guard let number = Int64(raw.trimmingCharacters(in: .whitespaces)), number >= 1, number <= 1 << 30 else {
                    problems.append(FieldProblem(field.key, "Enter a size in MiB from 1 to 1073741824."))
                    continue
                }
                value = number * 1024 * 1024
            case .text: value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            case .secret, .secretText: value = raw
            case .longText: value = raw.replacingOccurrences(of: "\r\n", with: "\n")
            case .lines: value = Self.lines(raw)
            case .choice(let options):
                guard options.contains(raw) else {
                    problems.append(FieldProblem(field.key, "Choose one of \(options.joined(separator: ", "))."))
                    continue
                }
                value = raw
            case .clientIds:
                var map: [String: String] = [:]
                for line in Self.lines(raw) {
                    let parts = line.split(separator: "=", maxSplits: 1)
                    map[parts[0].trimmingCharacters(in: .whitespaces)] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                }
                value = map
            }
            Self.set(&patch, field.key, value)
        }
        return (patch, problems)
    }

    static func lines(_ raw: String) -> [String] {
        raw.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func lookup(_ object: [String: Any], _ key: String) -> Any? {
        var current: Any? = object
        for part in key.split(separator: ".") { current = (current as? [String: Any])?[String(part)] }
        return current
    }

    static func set(_ object: inout [String: Any], _ key: String, _ value: Any) {
        let parts = key.split(separator: ".").map(String.init)
        if parts.count == 1 {
            object[parts[0]] = value
            return
        }
        var inner = (object[parts[0]] as? [String: Any]) ?? [:]
        set(&inner, parts.dropFirst().joined(separator: "."), value)
        object[parts[0]] = inner
    }
}

extension RuntimeSettings {
    /// Applies a JSON patch (objects merged key by key into the current settings). Keys the settings do
    /// not have, values of the wrong type and a relay URL the SMTP client would refuse are reported next to
    /// their key; `authorize` sees the keys that really change. The pages and the admin API both come through here.
    @discardableResult
    func apply(patch: [String: Any], actor: String, allowedKeys: Set<String>? = nil, relay: (any MailRelay)? = nil,
               authorize: ([String]) throws -> Void = { _ in }) async throws -> [String] {
        var patch = patch
        for key in SettingsSection.secretKeys where (SettingsSection.lookup(patch, key) as? String)?.isEmpty == true {
            SettingsSection.remove(&patch, key)
        }
        let current = try SettingsJSON.object(of: store.current)
        let known = SettingsJSON.flatten(current)
        var problems: [FieldProblem] = []
        for key in SettingsJSON.flatten(patch).keys.sorted() {
            let isKnown = known[key] != nil || known.keys.contains { $0.hasPrefix(key + ".") } || SettingsJSON.optionalKeys.contains(key)
                || SettingsJSON.isLeafMap(key.split(separator: ".").dropLast().joined(separator: "."))
            if !isKnown {
                problems.append(FieldProblem(key, "There is no such setting."))
            } else if let allowedKeys, !allowedKeys.contains(where: { key == $0 || key.hasPrefix($0 + ".") }) {
                problems.append(FieldProblem(key, "This setting belongs to another section."))
            }
        }
        if let url = SettingsSection.lookup(patch, "mail.relayURL") as? String, !url.isEmpty, !url.hasPrefix("capture:") {
            if let problem = relay?.problem(withURL: url) { problems.append(FieldProblem("mail.relayURL", problem)) }
        }
        if !problems.isEmpty { throw AdminError.invalid(problems) }
        // Merged over the settings as they are when this change's turn comes, not as they were when it was read:
        // a change made meanwhile to another key survives.
        return try await apply(actor: actor, authorize: authorize) { (settings: inout SealdropSettings) throws(AdminError) in
            do {
                settings = try SettingsJSON.decode(SettingsJSON.merge(try SettingsJSON.object(of: settings), patch))
            } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context), let DecodingError.valueNotFound(_, context) {
                throw AdminError.invalid([FieldProblem(context.codingPath.map(\.stringValue).filter { Int($0) == nil }.joined(separator: "."), "This value has the wrong type.")])
            } catch {
                throw AdminError.invalid([FieldProblem("body", "The settings could not be read.")])
            }
        }
    }
}
