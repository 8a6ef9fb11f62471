import Foundation

/// Language-dependent formatting of the values mails and pages show: dates, sizes, HTML text.
public enum DisplayFormat {
    /// A date as a reader of `language` writes it, always in UTC and saying so,
    /// e.g. `31 December 2026, 14:00 UTC` or `31. Dezember 2026, 14:00 UTC`.
    public static func date(_ date: Date, language: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == "de" ? "de_DE" : (language == "en" ? "en_GB" : language))
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateStyle = .long
        formatter.timeStyle = .short
        return formatter.string(from: date) + " UTC"
    }

    /// A byte count in decimal units with one decimal, e.g. `1.5 MB`, or `1,5 MB` in German.
    public static func size(_ bytes: Int64, language: String) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB"]
        guard bytes >= 1000 else { return "\(bytes) \(units[0])" }
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let text = String(format: "%.1f", value)
        return (language == "de" ? text.replacingOccurrences(of: ".", with: ",") : text) + " " + units[unit]
    }

    /// Text escaped for HTML, with line breaks kept as `<br>`: for user text shown in an HTML part.
    public static func htmlParagraphs(_ text: String) -> String {
        HTMLText.escape(text).replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "<br>\n")
    }
}

/// HTML text escaping, for values placed into HTML outside a template.
public enum HTMLText {
    /// `text` with `& < > " '` replaced by entities.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
