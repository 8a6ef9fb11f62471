import Foundation

/// The organisation's face on mails and pages: the product name and the colours the mail templates and the
/// pages' style sheet use. The logo is stored apart (`LogoRepository`): it is bytes, not a setting.
public struct BrandingSettings: Codable, Sendable, Equatable {
    /// Shown as the sender name of mails, in their header and in the pages' title bar; default `Sealdrop`.
    public var productName: String = "Sealdrop"
    /// Buttons, links and the header rule, `#rrggbb`.
    public var accentColor: String = "#1d4ed8"
    /// Behind the mail's card, `#rrggbb`.
    public var backgroundColor: String = "#f3f4f6"
    /// Body text of mails, `#rrggbb`.
    public var textColor: String = "#1f2933"

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BrandingSettings()
        productName = try c.decodeIfPresent(String.self, forKey: .productName) ?? d.productName
        accentColor = try c.decodeIfPresent(String.self, forKey: .accentColor) ?? d.accentColor
        backgroundColor = try c.decodeIfPresent(String.self, forKey: .backgroundColor) ?? d.backgroundColor
        textColor = try c.decodeIfPresent(String.self, forKey: .textColor) ?? d.textColor
    }

    /// Whether `text` is a colour of the one form the templates accept, `#rrggbb` (it goes into CSS: no
    /// other character may pass).
    public static func isColor(_ text: String) -> Bool {
        text.utf8.count == 7 && text.first == "#" && text.dropFirst().allSatisfy(\.isHexDigit)
    }

    /// Problems with these values, each naming its key.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        let name = productName.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 60 || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            errors.append("branding.productName must be 1 to 60 characters on one line")
        }
        for (key, value) in [("accentColor", accentColor), ("backgroundColor", backgroundColor), ("textColor", textColor)] where !Self.isColor(value) {
            errors.append("branding.\(key) must be a colour like #1d4ed8")
        }
        return errors
    }
}
