import Foundation
import Hummingbird
import Logging
import SealdropCore
import SealdropServices

/// Server, client and product endpoints (spec §4).
///
/// Routes:
/// - `GET /api/clients` — a fresh random client id
/// - `GET /api/products/{product-key}/cors` — whether the `Origin` may call the API
/// - `GET /api/products/{product-key}/logging` — remote logging settings
/// - `POST /api/logs` — remote log entries
/// - `GET /api/products/{product-key}/language-packs[/{lp-id}[/{path…}]]` — built-in and uploaded packs; a
///   pack's `messages.json` is the web app's texts for `server`, the API's and the add-in's texts for other
///   keys, English wherever the pack has no text
/// - `GET /api/products/{product-key}/legal/terms-of-use`, `…/legal/imprint`
struct ProductController {
    let settings: SettingsStore
    let logger: Logger
    /// Languages administrators uploaded.
    var languagePacks: LanguagePackService? = nil
    /// The web app's built-in texts by language (`en`, `de`), served for the product key `server`.
    var webStrings: [String: [String: String]] = [:]
    /// The web app's texts of an uploaded pack, English underneath (the pages' merged copy).
    var packTexts = PackTexts()

    /// A language pack we ship.
    struct LanguagePack: Encodable, Sendable {
        var id: String
        var displayName: String
        var locale: String
        var version: String
        var lastChangeTimestamp: Date?
        var href: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(displayName, forKey: .displayName)
            try c.encode(locale, forKey: .locale)
            try c.encode(version, forKey: .version)
            try c.encode(lastChangeTimestamp, forKey: .lastChangeTimestamp)
            try c.encode(href, forKey: .href)
        }

        enum CodingKeys: String, CodingKey { case id, displayName, locale, version, lastChangeTimestamp, href }
    }

    static let packs: [(id: String, name: String, locale: String, messages: [String: String])] = [
        ("en-US_1", "English (US)", "en-US", [
            "revocation.defaultMessage": "The sender has revoked this transfer.",
            "checksums.fileName": "File name",
            "checksums.checksum": "Checksum",
        ]),
        ("de-DE_1", "Deutsch (Deutschland)", "de-DE", [
            "revocation.defaultMessage": "Der Absender hat diesen Transfer widerrufen.",
            "checksums.fileName": "Dateiname",
            "checksums.checksum": "Prüfsumme",
        ]),
    ]

    func addRoutes(to api: RouterGroup<SealdropRequestContext>) {
        api.get("clients") { _, _ in Envelope(data: ["clientId": ClientID.random().rawValue]) }
        api.get("products/:productKey/cors", use: cors)
        api.get("products/:productKey/logging", use: loggingSettings)
        api.post("logs", use: remoteLogs)
        api.get("products/:productKey/language-packs", use: languagePacks)
        api.get("products/:productKey/language-packs/:packId", use: languagePack)
        api.get("products/:productKey/language-packs/:packId/**", use: languagePackFile)
        api.get("products/:productKey/legal/terms-of-use", use: terms)
        api.get("products/:productKey/legal/imprint", use: imprint)
    }

    @Sendable func cors(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<[String: Bool]> {
        _ = try PathVariable.productKey(context, settings: settings)
        _ = try context.apiInfo().requireClientId()
        guard let origin = request.headers[.origin], !origin.isEmpty else { throw SealdropError.missing("Origin") }
        return Envelope(data: ["active": settings.current.cors.allows(origin: origin)])
    }

    /// The remote-logging settings clients read.
    struct LoggingSettings: Encodable, Sendable {
        var level: String
        var remoteLoggingEnabled: Bool
    }

    @Sendable func loggingSettings(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<LoggingSettings> {
        _ = try PathVariable.productKey(context, settings: settings)
        _ = try context.apiInfo().requireClientId()
        let s = settings.current.remoteLogging
        return Envelope(data: LoggingSettings(level: s.level, remoteLoggingEnabled: s.enabled))
    }

    /// One forwarded client log line.
    struct LogEntry: Decodable {
        var level: String
        var message: String
        var timestamp: String?
    }

    @Sendable func remoteLogs(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let clientId = try context.apiInfo().requireClientId()
        guard settings.current.remoteLogging.enabled else { throw SealdropError.remoteLoggingDisabled }
        guard let entries = try await APICoding.decode([LogEntry].self, from: request, context: context) else { throw SealdropError.missing("body") }
        let levels = ["trace", "debug", "info", "warn", "error"]
        guard entries.count <= 1000, entries.allSatisfy({ levels.contains($0.level) }) else { throw SealdropError.malformed("Invalid log entries") }
        for entry in entries {
            // Client text goes to the log as a bounded, control-character-free value.
            let text = String(entry.message.unicodeScalars.filter { $0.value >= 0x20 }.prefix(2000).map(Character.init))
            logger.info("client.log", metadata: ["client.id.prefix": "\(clientId.prefix(6))", "client.level": "\(entry.level)", "client.message": "\(text)"])
        }
        return APICoding.empty(.created)
    }

    /// Built-in packs, then uploaded ones, for `key` (the `href`s name it).
    func packs(_ major: Int?, key: String) -> [LanguagePack] {
        let builtIn = Self.packs.map {
            LanguagePack(id: $0.id, displayName: $0.name, locale: $0.locale, version: "1.0", lastChangeTimestamp: nil,
                         href: "/api/products/\(key)/language-packs/\($0.id)")
        }
        let uploaded = (languagePacks?.current ?? []).map {
            LanguagePack(id: $0.id, displayName: $0.displayName, locale: $0.locale, version: $0.version, lastChangeTimestamp: $0.lastChange,
                         href: "/api/products/\(key)/language-packs/\($0.id)")
        }
        return (builtIn + uploaded).filter { major == nil || $0.id.hasSuffix("_\(major!)") }
    }

    /// The texts of pack `id` for product `key`, English underneath; nil for an unknown id.
    func messages(id: String, key: String) -> [String: String]? {
        let englishAPI = Self.packs[0].messages
        let englishWeb = webStrings["en"] ?? [:]
        if let builtIn = Self.packs.first(where: { $0.id == id }) {
            guard key == "server" else { return builtIn.messages }
            let web = webStrings[String(builtIn.locale.prefix(2))] ?? englishWeb
            return englishWeb.merging(web) { $1 }
        }
        guard let pack = languagePacks?.current.first(where: { $0.id == id }) else { return nil }
        if key == "server" { return packTexts.texts(of: pack, english: englishWeb) }
        return englishAPI.merging(pack.productStrings(key)) { $1 }
    }

    @Sendable func languagePacks(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<[LanguagePack]> {
        let key = try PathVariable.productKey(context, settings: settings)
        _ = try context.apiInfo().requireClientId()
        var major: Int?
        if let raw = request.uri.queryParameters["major-version"] {
            guard let value = Int(raw), value >= 0 else { throw SealdropError.malformed("major-version must be an integer") }
            major = value
        }
        return Envelope(data: packs(major, key: key))
    }

    @Sendable func languagePack(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<LanguagePack> {
        let key = try PathVariable.productKey(context, settings: settings)
        _ = try context.apiInfo().requireClientId()
        guard let id = context.parameters.get("packId"), let pack = packs(nil, key: key).first(where: { $0.id == id }) else {
            throw SealdropError(.invalidPathVariable, status: 404, "Unknown language pack")
        }
        return Envelope(data: pack)
    }

    @Sendable func languagePackFile(_ request: Request, context: SealdropRequestContext) async throws -> Response {
        let key = try PathVariable.productKey(context, settings: settings)
        _ = try context.apiInfo().requireClientId()
        guard let id = context.parameters.get("packId"), let messages = messages(id: id, key: key) else {
            throw SealdropError(.invalidPathVariable, status: 404, "Unknown language pack")
        }
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard (path as NSString).lastPathComponent == "messages.json" else { throw SealdropError.notFound("The language pack file") }
        return JSONResponse(body: messages, contentType: "application/json; charset=utf-8", cacheControl: nil).response
    }

    /// Terms of use as the API presents them.
    struct Terms: Encodable, Sendable {
        var active: Bool
        var lastChangeTimestamp: Date?
        var terms: [Entry]

        /// One localized text.
        struct Entry: Encodable, Sendable {
            var locale: String
            var title: String
            var content: String
            var type: String
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(active, forKey: .active)
            try c.encode(lastChangeTimestamp, forKey: .lastChangeTimestamp)
            try c.encode(terms, forKey: .terms)
        }

        enum CodingKeys: String, CodingKey { case active, lastChangeTimestamp, terms }
    }

    @Sendable func terms(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<Terms> {
        _ = try PathVariable.productKey(context, settings: settings)
        _ = try context.apiInfo().requireClientId()
        let legal = settings.current.legal
        return Envelope(data: Terms(active: legal.termsActive, lastChangeTimestamp: legal.termsLastChange,
                                    terms: legal.terms.map { .init(locale: $0.locale, title: $0.title, content: $0.content, type: $0.type) }))
    }

    @Sendable func imprint(_ request: Request, context: SealdropRequestContext) async throws -> Envelope<[String: String]> {
        _ = try PathVariable.productKey(context, settings: settings)
        _ = try context.apiInfo().requireClientId()
        let imprint = settings.current.legal.imprint
        return Envelope(data: ["content": imprint.content, "type": imprint.type])
    }
}
