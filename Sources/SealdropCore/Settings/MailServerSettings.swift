/// The relay administrators set in the admin interface; empty means the configured `SEALDROP_SMTP_URL`.
public struct MailServerSettings: Codable, Sendable, Equatable {
    /// `smtp://…`, `smtp+starttls://…`, `smtps://…` or `capture:`; may carry `user:password@`.
    public var relayURL: String = ""
    /// The address notifications come from; empty means `SEALDROP_MAIL_FROM`.
    public var from: String = ""

    public init(relayURL: String = "", from: String = "") {
        self.relayURL = relayURL
        self.from = from
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        relayURL = try c.decodeIfPresent(String.self, forKey: .relayURL) ?? ""
        from = try c.decodeIfPresent(String.self, forKey: .from) ?? ""
    }
}
