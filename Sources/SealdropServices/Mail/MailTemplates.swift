import Foundation
import Mustache

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
    /// Languages for which at least one template exists.
    public let languages: Set<String>

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

    /// The template language for a BCP 47 tag: its primary subtag when templates exist for it, else English.
    public func language(for tag: String) -> String {
        let primary = tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } ?? ""
        return languages.contains(primary) ? primary : Self.fallbackLanguage
    }

    /// Renders the three parts of `kind` in the language for `tag` with `context`.
    public func render(_ kind: MailKind, language tag: String, context: TemplateContext) -> RenderedMail {
        let language = language(for: tag)
        func part(_ name: String) -> String {
            let preferred = "\(kind.rawValue).\(language).\(name)"
            let template = library.getTemplate(named: preferred) != nil ? preferred : "\(kind.rawValue).\(Self.fallbackLanguage).\(name)"
            return library.render(context, withTemplate: template) ?? ""
        }
        let subject = part("subject").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return RenderedMail(subject: subject, text: part("text"), html: part("html"))
    }
}
