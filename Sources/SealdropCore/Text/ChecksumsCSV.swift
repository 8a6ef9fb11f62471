/// The checksum list offered with downloads (`GET /api/transfers/{id}/checksums`, ZIP option `include-checksum-file`).
///
/// `;`-separated (the spreadsheet default in German locales), CRLF line ends, RFC 4180 quoting,
/// and cells that a spreadsheet would run as a formula are prefixed with `'`.
public enum ChecksumsCSV {
    /// Renders a header row in `language` (`de…` → German, else English) and one row per file.
    public static func render(
        rows: [(fileName: String, checksum: String)],
        algorithm: String = "SHA-256",
        language: String = "en"
    ) -> String {
        let german = language.lowercased().hasPrefix("de")
        let header = german
            ? ["Dateiname", "Prüfsumme (\(algorithm))"]
            : ["File name", "Checksum (\(algorithm))"]
        var lines = [line(header)]
        for row in rows {
            lines.append(line([row.fileName, row.checksum]))
        }
        return lines.map { $0 + "\r\n" }.joined()
    }

    private static func line(_ cells: [String]) -> String {
        cells.map(cell).joined(separator: ";")
    }

    /// One cell: formula guard first, then quoting when the cell holds `;`, `"`, CR or LF.
    static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        let needsQuotes = text.unicodeScalars.contains { $0 == ";" || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { escaped.append("\"") }
            escaped.unicodeScalars.append(scalar)
        }
        return "\"" + escaped + "\""
    }
}
