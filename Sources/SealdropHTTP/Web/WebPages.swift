import Foundation
import Hummingbird
import Mustache
import SealdropCore
import SealdropServices
import Synchronization

/// Renders the browser pages: Mustache templates from `Resources/web` with the UI strings of one language.
///
/// Every page extends `layout` (blocks `title` and `content`); `{{t.key}}` is a UI string in the page's
/// language, every other value is data and HTML-escaped. Pages carry a CSP without inline script or style.
struct WebPages: Sendable {
    /// Languages with a strings file; the first is the fallback.
    static let languages = ["en", "de"]

    let library: MustacheLibrary
    let strings: [String: [String: String]]
    let settings: SettingsStore
    /// Languages administrators uploaded (user pages only); nil offers the built-in ones alone.
    let languagePacks: LanguagePackService?
    /// English overlaid by each uploaded pack, merged once per stored pack rather than on every page.
    let packTexts = PackTexts()
    /// The uploaded logo (user pages only).
    let branding: BrandingService?

    /// Loads the templates and strings of `Resources/<folder>` (`web` for the user pages, `admin` for the admin pages).
    init(settings: SettingsStore, folder: String = "web", languagePacks: LanguagePackService? = nil, branding: BrandingService? = nil) throws {
        self.languagePacks = languagePacks
        self.branding = branding
        guard let directory = Bundle.module.url(forResource: folder, withExtension: nil, subdirectory: "Resources")?.path else {
            throw SealdropError.notFound("The \(folder) templates")
        }
        var library = MustacheLibrary()
        var strings: [String: [String: String]] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let path = directory + "/" + file
            if file.hasSuffix(".mustache") {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                try library.register(text, named: String(file.dropLast(".mustache".count)))
            } else if file.hasPrefix("strings."), file.hasSuffix(".json") {
                let language = String(file.dropFirst("strings.".count).dropLast(".json".count))
                strings[language] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        self.library = library
        self.strings = strings
        self.settings = settings
    }

    /// The page language: `?lang=`, then the `lang` cookie, then `Accept-Language`, then English.
    static func language(of request: Request) -> String {
        if let asked = request.uri.queryParameters["lang"].map(String.init), languages.contains(asked) { return asked }
        if let cookie = request.cookies["lang"]?.value, languages.contains(cookie) { return cookie }
        for part in (request.headers[.acceptLanguage] ?? "").split(separator: ",") {
            let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            let primary = String(tag.prefix { $0 != "-" })
            if languages.contains(primary) { return primary }
        }
        return languages[0]
    }

    /// The languages the pages offer: the built-in ones, then the uploaded packs' locales.
    func offeredLanguages() -> [(code: String, name: String)] {
        Self.languages.map { ($0, strings[$0]?["languageName"] ?? $0) } + (languagePacks?.current ?? []).map { ($0.locale, $0.displayName) }
    }

    /// The page language among the offered ones: `?lang=`, the `lang` cookie, `Accept-Language` (whole tag,
    /// then its primary language), English. Without uploaded languages, the same as `language(of:)`.
    func pageLanguage(of request: Request) -> String {
        let uploaded = (languagePacks?.current ?? []).map(\.locale)
        guard !uploaded.isEmpty else { return Self.language(of: request) }
        func offered(_ tag: String) -> String? {
            if Self.languages.contains(tag) { return tag }
            return uploaded.first { $0.caseInsensitiveCompare(tag) == .orderedSame }
        }
        if let asked = request.uri.queryParameters["lang"].map(String.init), let code = offered(asked) { return code }
        if let cookie = request.cookies["lang"]?.value, let code = offered(cookie) { return code }
        for part in (request.headers[.acceptLanguage] ?? "").split(separator: ",") {
            let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
            if let code = offered(tag) { return code }
            let primary = String(tag.prefix { $0 != "-" }).lowercased()
            if Self.languages.contains(primary) { return primary }
            if let code = uploaded.first(where: { $0.lowercased().hasPrefix(primary + "-") || $0.lowercased() == primary }) { return code }
        }
        return Self.languages[0]
    }

    /// The texts of `language`: a built-in strings file, or English overlaid by an uploaded pack's
    /// `web.json` (missing keys stay English).
    func texts(_ language: String) -> [String: String] {
        if let own = strings[language] { return own }
        let english = strings[Self.languages[0]] ?? [:]
        guard let pack = languagePacks?.pack(locale: language) else { return english }
        return packTexts.texts(of: pack, english: english)
    }

    /// The CSP of every page: own scripts and styles only, framing only by the configured origins.
    func contentSecurityPolicy() -> String {
        let ancestors = settings.current.frameAncestors
        let frame = ancestors.isEmpty ? "'none'" : ancestors.joined(separator: " ")
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors \(frame)"
    }

    /// A rendered page with its status, the security headers and, when the language was chosen with
    /// `?lang=`, the cookie that keeps it. `model` is the page's own model (a struct whose stored properties
    /// are the names its template uses); the layout's values are looked up before it.
    func render(_ page: String, status: HTTPResponse.Status = .ok, request: Request, model: Any = EmptyModel(),
                cookies: [String] = []) -> Response {
        let language = pageLanguage(of: request)
        let layout = Layout(
            t: texts(language), lang: language,
            otherLanguages: offeredLanguages().filter { $0.code != language }.map { offered in
                var query = request.uri.queryParameters.filter { $0.key != "lang" }.map { "\($0.key)=\(Self.queryEscape(String($0.value)))" }
                query.append("lang=\(Self.queryEscape(offered.code))")
                return Layout.LanguageLink(code: offered.code, name: offered.name, href: request.uri.path + "?" + query.joined(separator: "&"))
            },
            footer: footer(), brand: brand(texts: texts(language)))
        let html = library.render(TemplateContext(layout, model), withTemplate: page) ?? ""
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = contentSecurityPolicy()
        var setCookies = cookies
        if request.uri.queryParameters["lang"].map({ String($0).caseInsensitiveCompare(language) == .orderedSame }) == true {
            setCookies.append(WebCookies.make("lang", language, maxAge: 365 * 86400, httpOnly: false))
        }
        if !setCookies.isEmpty { headers[values: .setCookie] = setCookies }
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(string: html)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// The legal links of the footer every page shows: the imprint when it has content, the terms of use when active.
    func footer() -> [String: String] {
        let legal = settings.current.legal
        var links: [String: String] = [:]
        if !legal.imprint.content.isEmpty { links["imprint"] = "/imprint" }
        if legal.termsActive { links["terms"] = "/terms" }
        return links
    }

    /// The product name and logo of the title bar: the administrator's, else the page language's own name.
    func brand(texts: [String: String]) -> Layout.Brand {
        let name = settings.current.branding.productName
        let shown = name == BrandingSettings().productName ? (texts["productName"] ?? name) : name
        let logo = branding?.logo
        return Layout.Brand(productName: shown, hasLogo: logo != nil,
                            logoURL: logo.map { "/branding/logo?v=\(Int64($0.uploadedAt.timeIntervalSince1970))" } ?? "")
    }

    /// What `layout` shows around every page: the UI strings, the language switch and the footer links.
    struct Layout {
        /// The title bar's product name and logo.
        struct Brand { let productName: String, hasLogo: Bool, logoURL: String }

        /// A link to the same page in another language.
        struct LanguageLink { let code: String, name: String, href: String }

        let t: [String: String]
        let lang: String
        let otherLanguages: [LanguageLink]
        let footer: [String: String]
        let brand: Brand
    }

    /// Percent-encodes a query value.
    static func queryEscape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? ""
    }
}

/// The web texts of uploaded packs, English underneath, kept per locale until the stored pack changes
/// (a new upload has a new upload time), so a page render looks a dictionary up instead of merging one.
final class PackTexts: Sendable {
    private let merged = Mutex<[String: (uploadedAt: Date, version: String, texts: [String: String])]>([:])

    /// English overlaid by `pack`'s `web.json` (keys English does not have are ignored).
    func texts(of pack: StoredLanguagePack, english: [String: String]) -> [String: String] {
        if let cached = merged.withLock({ $0[pack.locale] }), cached.uploadedAt == pack.uploadedAt, cached.version == pack.version {
            return cached.texts
        }
        let texts = english.merging(pack.webStrings.filter { english[$0.key] != nil }) { $1 }
        merged.withLock { $0[pack.locale] = (pack.uploadedAt, pack.version, texts) }
        return texts
    }
}
