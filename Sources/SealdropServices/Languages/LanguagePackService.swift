import Foundation
import Logging
import SealdropCore
import SealdropFormats
import Synchronization

/// The languages administrators add by uploading a language pack (see `docs/languages.md`): validated
/// hard, stored through the repository, offered by the web app and the API at once, every change audited.
///
/// A pack is a ZIP of JSON string files: `manifest.json` (`locale`, `version`, `lastChangeTimestamp`,
/// optional `displayName`), `web.json` (the web app's texts), `mail.json` (mail templates by `<kind>.<part>`)
/// and `products/<product-key>/messages.json` (an add-in's texts). Uploading a locale again replaces its pack when the version is the same or newer.
public final class LanguagePackService: Sendable {
    /// Largest ZIP accepted.
    public static let maxUploadSize = 2 * 1024 * 1024
    /// Locales built into the server; they cannot be uploaded.
    public static let builtInLocales: Set<String> = ["en", "en-us", "de", "de-de"]

    let repository: any LanguagePackRepository
    let audit: AuditLog
    let logger: Logger
    /// The mail templates packs add languages to; nil: packs bring no mail templates.
    let mailTemplates: MailTemplateSource?
    private let packs = Mutex<[StoredLanguagePack]>([])
    /// Uploads and removals one at a time: each compares with the stored pack and then writes, and two
    /// interleaved would let an older version overwrite a newer one that was stored in between.
    private let changes = AsyncBudget(limit: 1)

    public init(repository: any LanguagePackRepository, audit: AuditLog, logger: Logger, mailTemplates: MailTemplateSource? = nil) {
        self.repository = repository
        self.audit = audit
        self.logger = logger
        self.mailTemplates = mailTemplates
    }

    /// Reads the stored packs; at start, before any listener answers. A pack whose mail templates no longer
    /// compile (an override directory changed underneath) keeps its texts and loses its mails, with a warning.
    public func load() async throws {
        let stored = try await repository.languagePacks().sorted { $0.locale < $1.locale }
        packs.withLock { $0 = stored }
        applyMailTemplates(stored)
    }

    /// Puts the packs' mail templates in force, leaving out (and naming) a pack whose templates fail.
    private func applyMailTemplates(_ stored: [StoredLanguagePack]) {
        guard let mailTemplates else { return }
        let usable = stored.filter { pack in
            do {
                _ = try mailTemplates.templates(with: [pack])
                return true
            } catch {
                logger.warning("language.mail-templates.unusable", metadata: ["locale": "\(pack.locale)", "reason": "\(error)"])
                return false
            }
        }
        try? mailTemplates.apply(usable)
    }

    /// The uploaded packs now, by locale.
    public var current: [StoredLanguagePack] { packs.withLock { $0 } }

    /// The uploaded pack of `locale` (case-insensitive).
    public func pack(locale: String) -> StoredLanguagePack? {
        current.first { $0.locale.caseInsensitiveCompare(locale) == .orderedSame }
    }

    /// Validates `zip`, stores it (replacing the same locale) and audits the upload. Refusals are
    /// `AdminError.invalid` on the field `file`, and nothing is stored.
    @discardableResult
    public func upload(_ zip: [UInt8], by actor: String, now: Date = Date()) async throws -> StoredLanguagePack {
        let pack: StoredLanguagePack
        do {
            pack = try Self.parse(zip, by: actor, now: now)
        } catch {
            throw AdminError.invalid([FieldProblem("file", error.message)])
        }
        if let mailTemplates {
            do {
                _ = try mailTemplates.templates(with: [pack])
            } catch {
                throw AdminError.invalid([FieldProblem("file", error.reason)])
            }
        }
        await changes.acquire()
        defer { changes.release() }
        let old = self.pack(locale: pack.locale)
        if let old, Self.compare(pack.version, old.version) == .orderedAscending {
            throw AdminError.invalid([FieldProblem("file", "Version \(pack.version) is older than the stored \(old.version); remove the stored pack first to go back.")])
        }
        if let old, old.locale != pack.locale { _ = try await repository.deleteLanguagePack(locale: old.locale) }
        try await repository.saveLanguagePack(pack)
        packs.withLock { list in
            list.removeAll { $0.locale.caseInsensitiveCompare(pack.locale) == .orderedSame }
            list.append(pack)
            list.sort { $0.locale < $1.locale }
        }
        applyMailTemplates(current)
        try await audit.record(actor: actor, action: "language.upload", target: pack.locale, old: old?.version, new: pack.version)
        logger.notice("language.uploaded", metadata: ["locale": "\(pack.locale)", "version": "\(pack.version)", "actor": "\(actor)"])
        return pack
    }

    /// Removes the pack of `locale`; false when there is none.
    public func delete(locale: String, by actor: String) async throws -> Bool {
        await changes.acquire()
        defer { changes.release() }
        guard let old = pack(locale: locale), try await repository.deleteLanguagePack(locale: old.locale) else { return false }
        packs.withLock { $0.removeAll { $0.locale == old.locale } }
        applyMailTemplates(current)
        try await audit.record(actor: actor, action: "language.delete", target: old.locale, old: old.version, new: nil)
        return true
    }

    // MARK: - Parsing

    /// Why a pack was refused.
    struct Refusal: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// The pack in `zip`, or the first reason to refuse it.
    static func parse(_ zip: [UInt8], by actor: String, now: Date) throws(Refusal) -> StoredLanguagePack {
        guard zip.count <= maxUploadSize else { throw Refusal("The ZIP is larger than \(maxUploadSize / (1024 * 1024)) MiB.") }
        let entries: [ZipReader.Entry]
        do {
            entries = try ZipReader().entries(of: zip)
        } catch {
            throw Refusal(error.message)
        }
        var manifest: [String: Any]?
        var files: [String: [String: String]] = [:]
        for entry in entries {
            let name = ZipReader.shown(entry.path)
            guard entry.path.lowercased().hasSuffix(".json") else { throw Refusal("\(name) is not a .json file; a language pack holds JSON string files only.") }
            guard let text = String(validating: entry.bytes, as: UTF8.self) else { throw Refusal("\(name) is not UTF-8 text.") }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw Refusal("\(name) is not a JSON object.")
            }
            if entry.path == "manifest.json" {
                manifest = object
                continue
            }
            var strings: [String: String] = [:]
            for (key, value) in object {
                guard let value = value as? String else { throw Refusal("\(name): the value of \(key.prefix(80)) is not a string.") }
                guard !key.isEmpty, key.count <= 200, value.count <= 20_000 else { throw Refusal("\(name): keys have 1 to 200 characters, texts at most 20,000.") }
                strings[key] = value
            }
            files[entry.path] = strings
        }
        guard let manifest else { throw Refusal("The ZIP has no manifest.json at its top level.") }
        guard let locale = manifest["locale"] as? String, isLanguageTag(locale) else {
            throw Refusal("manifest.json: locale must be a BCP 47 language tag like fr or pt-BR.")
        }
        guard !builtInLocales.contains(locale.lowercased()) else { throw Refusal("\(locale) is built in; upload a regional variant like de-AT or en-GB instead.") }
        guard let version = manifest["version"] as? String, version.wholeMatch(of: /[0-9]{1,4}\.[0-9]{1,4}/) != nil else {
            throw Refusal("manifest.json: version must be major.minor, like 1.0.")
        }
        guard manifest.keys.contains("lastChangeTimestamp") else { throw Refusal("manifest.json: lastChangeTimestamp is missing (an ISO 8601 time or null).") }
        var lastChange: Date?
        if let text = manifest["lastChangeTimestamp"] as? String {
            guard let date = timestamp(text) else { throw Refusal("manifest.json: lastChangeTimestamp must be an ISO 8601 time like 2026-12-01T10:00:00Z.") }
            lastChange = date
        } else if !(manifest["lastChangeTimestamp"] is NSNull) {
            throw Refusal("manifest.json: lastChangeTimestamp must be an ISO 8601 time or null.")
        }
        var displayName = locale
        if let name = manifest["displayName"] {
            guard let name = name as? String, !name.isEmpty, name.count <= 100, !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw Refusal("manifest.json: displayName must be a text of 1 to 100 characters.")
            }
            displayName = name
        }
        guard !files.isEmpty else { throw Refusal("The ZIP has no string files besides manifest.json (web.json, mail.json, products/<key>/messages.json).") }
        return StoredLanguagePack(locale: locale, displayName: displayName, version: version, lastChange: lastChange, files: files,
                                  uploadedBy: actor, uploadedAt: now)
    }

    /// A well-formed BCP 47 tag of the common shape (RFC 5646 §2.1): language, optional script, region and
    /// variants; at most 35 characters.
    public static func isLanguageTag(_ text: String) -> Bool {
        text.count <= 35 && text.wholeMatch(of: /[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*/) != nil
    }

    static func timestamp(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `major.minor` versions compared numerically.
    static func compare(_ a: String, _ b: String) -> ComparisonResult {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }
        let y = b.split(separator: ".").map { Int($0) ?? 0 }
        for (p, q) in zip(x + [0, 0], y + [0, 0]).prefix(2) where p != q { return p < q ? .orderedAscending : .orderedDescending }
        return .orderedSame
    }
}

extension StoredLanguagePack {
    /// The web app's texts of this pack (`web.json`).
    public var webStrings: [String: String] { files["web.json"] ?? [:] }

    /// The pack's mail templates (`mail.json`): `<kind>.<part>` → Mustache template.
    public var mailTemplates: [String: String] { files["mail.json"] ?? [:] }

    /// The mail templates (`<kind>.<part>`) this pack does not bring, sorted; they are sent in English (or the
    /// built-in templates of the pack's primary language).
    public var missingMailKeys: [String] {
        let own = mailTemplates
        return MailKind.allCases.flatMap { kind in MailTemplates.parts.map { "\(kind.rawValue).\($0)" } }.filter { own[$0] == nil }
    }

    /// An add-in's texts (`products/<key>/messages.json`).
    public func productStrings(_ key: String) -> [String: String] { files["products/\(key)/messages.json"] ?? [:] }

    /// The API id: locale and major version, e.g. `fr-FR_1`.
    public var id: String { "\(locale)_\(version.split(separator: ".").first ?? "1")" }

    /// The keys of `reference` (the English web texts) this pack does not translate, sorted.
    public func missingWebKeys(reference: [String: String]) -> [String] {
        let own = webStrings
        return reference.keys.filter { own[$0] == nil }.sorted()
    }
}
