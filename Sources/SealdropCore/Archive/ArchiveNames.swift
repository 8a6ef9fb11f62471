import Foundation

/// File names as they may appear on an archive target of any kind (POSIX or Windows shares): no path, no
/// control or reserved characters, no reserved device names, bounded length, and collisions numbered.
public enum ArchiveNames {
    /// Longest name in UTF-8 bytes before suffixes (255 is the usual limit; suffixes and numbering need room).
    static let maxBytes = 180
    static let reserved = Set(["CON", "PRN", "AUX", "NUL"] + (1...9).flatMap { ["COM\($0)", "LPT\($0)"] })

    /// `name` made safe: `/ \ : * ? " < > |` and control characters become `_`, leading and trailing dots and spaces
    /// go, `.`/`..`/empty become `_`, Windows device names get a leading `_`, long names are cut keeping the extension.
    public static func safe(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            let bad = scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value)
                || "/\\:*?\"<>|".unicodeScalars.contains(scalar) || scalar.properties.generalCategory == .format
            scalars.append(bad ? "_" : scalar)
        }
        var text = String(scalars).trimmingCharacters(in: CharacterSet(charactersIn: " ."))
        if text.isEmpty { text = "_" }
        let stem = text.split(separator: ".", maxSplits: 1).first.map(String.init)?.uppercased() ?? ""
        if reserved.contains(stem) { text = "_" + text }
        return cut(text, to: maxBytes)
    }

    /// Safe, distinct names for `names` in order; a name equal to an earlier one (ignoring case) or to one of
    /// `taken` becomes `name (2).ext`, `name (3).ext`, …
    public static func distinct(_ names: [String], taken: [String] = []) -> [String] {
        var used = Set(taken.map { $0.lowercased() })
        return names.map { original in
            let name = safe(original)
            var candidate = name
            var number = 2
            while used.contains(candidate.lowercased()) {
                let (stem, ext) = split(name)
                candidate = cut(stem, to: maxBytes - ext.utf8.count - 8) + " (\(number))" + ext
                number += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }

    /// Whether `suffix` can be appended to any name: 1–32 of letters, digits, `.`, `-`, `_`.
    public static func isSafeSuffix(_ suffix: String) -> Bool {
        (1...32).contains(suffix.count) && suffix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// `name` split before its last dot (`report.tar.gz` → `report.tar`, `.gz`); no extension for a dotless name.
    static func split(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.distance(from: dot, to: name.endIndex) <= 16 else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }

    /// `text` cut to at most `bytes` UTF-8 bytes at a character boundary, keeping a short extension.
    static func cut(_ text: String, to bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        let (stem, ext) = split(text)
        var kept = ""
        for character in stem {
            if kept.utf8.count + character.utf8.count + ext.utf8.count > bytes { break }
            kept.append(character)
        }
        return (kept.isEmpty ? "_" : kept) + ext
    }
}
