import Foundation

/// Terms of use and imprint, per language, as HTML text or a link.
public struct LegalSettings: Codable, Sendable, Equatable {
    /// One localized legal text.
    public struct Text: Codable, Sendable, Equatable {
        public var locale: String
        public var title: String
        public var content: String
        /// `html` or `link`.
        public var type: String

        public init(locale: String, title: String, content: String, type: String) {
            self.locale = locale
            self.title = title
            self.content = content
            self.type = type
        }
    }
    public var termsActive: Bool = false
    public var termsLastChange: Date? = nil
    public var terms: [Text] = [
        Text(locale: "en", title: "Terms of use", content: "<p>Use this service only for lawful purposes.</p>", type: "html"),
        Text(locale: "de", title: "Nutzungsbedingungen", content: "<p>Nutzen Sie diesen Dienst nur für rechtmäßige Zwecke.</p>", type: "html"),
    ]
    public var imprint: Text = Text(locale: "en", title: "Imprint", content: "<p>Operated with Sealdrop.</p>", type: "html")

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LegalSettings()
        termsActive = try c.decodeIfPresent(Bool.self, forKey: .termsActive) ?? d.termsActive
        termsLastChange = try c.decodeIfPresent(Date.self, forKey: .termsLastChange) ?? d.termsLastChange
        terms = try c.decodeIfPresent([Text].self, forKey: .terms) ?? d.terms
        imprint = try c.decodeIfPresent(Text.self, forKey: .imprint) ?? d.imprint
    }
}
