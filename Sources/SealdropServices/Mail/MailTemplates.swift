import Foundation
import Mustache
import SealdropCore
import Synchronization

/// The notifications Sealdrop sends; each has a subject, a text and an HTML template per language.
public enum MailKind: String, CaseIterable, Sendable {
    case verificationCode = "verification-code"
    case recipientNotification = "recipient-notification"
    case uploadSummary = "upload-summary"
    case sentCopy = "sent-copy"
    case downloadNotification = "download-notification"
    case downloadSummary = "download-summary"
    case revocation = "revocation"
    case downloadProtection = "download-protection"
    /// The daily digest of the transfer log to the administrators.
    case digest
    /// To the administrators, once per new release the update check finds.
    case updateAvailable = "update-available"
}

/// One rendered notification, ready for the MIME builder.
public struct RenderedMail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
}

/// Why a template set could not be loaded; names the file so an operator can fix it.
public struct MailTemplateError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "mail template \(file): \(reason)" }
}

/// The mail templates: the built-in set, with any file of the same name in an override directory
/// taking its place.
///
/// Files are named `<kind>.<language>.<part>.mustache` (part: `subject`, `text` or `html`) plus the
/// partial `layout.html.mustache` that HTML templates extend with `{{<layout.html}}`. Subject and text
/// templates are rendered without HTML escaping; HTML templates escape every `{{value}}`. A language
/// with no template for a kind falls back to English, so an operator can add a language file by file.
public struct MailTemplates: Sendable {
    /// The built-in language every kind has.
    public static let fallbackLanguage = "en"

    let library: MustacheLibrary
    /// Languages for which at least one template exists: built-in and override files by primary language
    /// (`de`), uploaded language packs by their whole tag in lower case (`fr-fr`).
    public let languages: Set<String>

    /// The parts of each kind, as files and language packs name them.
    public static let parts = ["subject", "text", "html"]

    /// Loads the built-in templates, then those in `overrideDirectory` (if it exists) over them.
    public init(overrideDirectory: String? = nil) throws(MailTemplateError) {
        var sources: [String: (text: String, file: String)] = [:]
        guard let builtIn = Bundle.module.url(forResource: "mail", withExtension: nil, subdirectory: "Resources") else {
            throw MailTemplateError(file: "Resources/mail", reason: "the built-in templates are missing from the installation")
        }
        try Self.collect(from: builtIn.path, into: &sources, required: true)
        if let overrideDirectory { try Self.collect(from: overrideDirectory, into: &sources, required: false) }
        var library = MustacheLibrary()
        var languages: Set<String> = []
        for (name, source) in sources {
            let parts = name.split(separator: ".")
            let isText = parts.last == "subject" || parts.last == "text"
            do {
                try library.register(isText ? "{{% CONTENT_TYPE: TEXT}}" + source.text : source.text, named: name)
            } catch {
                throw MailTemplateError(file: source.file, reason: "not a valid Mustache template (\(type(of: error)))")
            }
            if parts.count == 3 { languages.insert(String(parts[1])) }
        }
        self.library = library
        self.languages = languages
        for kind in MailKind.allCases {
            for part in ["subject", "text", "html"] where library.getTemplate(named: "\(kind.rawValue).en.\(part)") == nil {
                throw MailTemplateError(file: "\(kind.rawValue).en.\(part).mustache", reason: "missing")
            }
        }
    }

    /// Reads every `*.mustache` file of `directory` into `sources`, keyed by name without the extension.
    private static func collect(from directory: String, into sources: inout [String: (text: String, file: String)], required: Bool) throws(MailTemplateError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            if required { throw MailTemplateError(file: directory, reason: "cannot read the directory") }
            return
        }
        for file in names.sorted() where file.hasSuffix(".mustache") {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw MailTemplateError(file: path, reason: "cannot be read as UTF-8")
            }
            sources[String(file.dropLast(".mustache".count))] = (text, path)
        }
    }

    private init(library: MustacheLibrary, languages: Set<String>) {
        self.library = library
        self.languages = languages
    }

    /// These templates with those of uploaded language packs added: `templates` maps `<kind>.<part>` to a
    /// Mustache template, registered for the pack's whole tag in lower case. Throws on the first template
    /// that does not compile or names no kind and part, so a pack is refused before it is stored.
    public func adding(locale: String, templates: [String: String]) throws(MailTemplateError) -> MailTemplates {
        var library = self.library
        let language = locale.lowercased()
        for (key, source) in templates.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, MailKind(rawValue: String(parts[0])) != nil, Self.parts.contains(String(parts[1])) else {
                throw MailTemplateError(file: "mail.json", reason: "\(key.prefix(80)) is not <kind>.<part> (kinds: \(MailKind.allCases.map(\.rawValue).joined(separator: ", ")); parts: subject, text, html)")
            }
            let isText = parts[1] != "html"
            do {
                try library.register(isText ? "{{% CONTENT_TYPE: TEXT}}" + source : source, named: "\(parts[0]).\(language).\(parts[1])")
            } catch {
                throw MailTemplateError(file: "mail.json", reason: "\(key) is not a valid Mustache template (\(type(of: error)))")
            }
        }
        return templates.isEmpty ? self : MailTemplates(library: library, languages: languages.union([language]))
    }

    /// The template language for a BCP 47 tag: the whole tag when a language pack brought templates for it,
    /// else its primary subtag when templates exist for it, else English.
    public func language(for tag: String) -> String {
        let whole = tag.replacingOccurrences(of: "_", with: "-").lowercased()
        if languages.contains(whole) { return whole }
        let primary = whole.split(separator: "-").first.map(String.init) ?? ""
        return languages.contains(primary) ? primary : Self.fallbackLanguage
    }

    /// Renders the three parts of `kind` in the language for `tag` with `context`; a part a language pack
    /// lacks comes from the built-in templates of its primary language, then English.
    public func render(_ kind: MailKind, language tag: String, context: TemplateContext) -> RenderedMail {
        let language = language(for: tag)
        let primary = String(language.prefix { $0 != "-" })
        func part(_ name: String) -> String {
            let template = [language, primary, Self.fallbackLanguage].map { "\(kind.rawValue).\($0).\(name)" }
                .first { library.getTemplate(named: $0) != nil } ?? "\(kind.rawValue).\(Self.fallbackLanguage).\(name)"
            return library.render(context, withTemplate: template) ?? ""
        }
        let subject = part("subject").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return RenderedMail(subject: subject, text: part("text"), html: part("html"))
    }
}

/// The mail templates in force: the built-in and override set, with the uploaded language packs' templates
/// on top; replaced whole when a pack changes, so a render never sees half a change.
public final class MailTemplateSource: Sendable {
    /// Built-in templates and the override directory's.
    public let base: MailTemplates
    private let state: Mutex<MailTemplates>

    public init(_ base: MailTemplates) {
        self.base = base
        state = Mutex(base)
    }

    /// The templates now.
    public var current: MailTemplates { state.withLock { $0 } }

    /// `base` with the mail templates of `packs`; throws on the first pack whose templates do not compile.
    public func templates(with packs: [StoredLanguagePack]) throws(MailTemplateError) -> MailTemplates {
        var templates = base
        for pack in packs { templates = try templates.adding(locale: pack.locale, templates: pack.mailTemplates) }
        return templates
    }

    /// Makes `base` with `packs` the templates in force.
    public func apply(_ packs: [StoredLanguagePack]) throws(MailTemplateError) {
        let templates = try templates(with: packs)
        state.withLock { $0 = templates }
    }
}
