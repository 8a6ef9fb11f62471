/// Rules for user-supplied file names: what registration accepts and what goes into ZIP entries and downloads.
public enum FileName {
    /// Longest name (in characters) `validateForRegistration` accepts.
    public static let maximumRegistrationLength = 1024
    /// Longest sanitized name in UTF-8 bytes (the usual file-system limit).
    public static let maximumSanitizedBytes = 255
    /// Replacement for names that sanitize to nothing.
    public static let fallback = "file"

    /// Whether a client may register a file under `name`: non-empty, at most 1024 characters, no NUL.
    public static func validateForRegistration(_ name: String) -> Bool {
        !name.isEmpty && name.count <= maximumRegistrationLength && !name.unicodeScalars.contains("\u{0}")
    }

    /// A single safe path component for ZIP entries and downloads.
    ///
    /// Drops control and bidi-override characters, replaces `/` and `\` with `_` (so `../a/b`
    /// becomes `.._a_b`, never a path), trims surrounding whitespace, maps empty and dots-only
    /// names to `file`, and truncates to 255 UTF-8 bytes on a character boundary, keeping a
    /// short extension.
    public static func sanitizedForDisplay(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars where !isInvisibleControl(scalar) {
            scalars.append(scalar == "/" || scalar == "\\" ? "_" : scalar)
        }
        let cleaned = String(scalars).trimmingWhitespace()
        if cleaned.isEmpty || cleaned.allSatisfy({ $0 == "." }) { return fallback }
        return truncated(cleaned, toUTF8Bytes: maximumSanitizedBytes)
    }

    /// A ZIP entry name that extracts as the same single file on every platform: ``sanitizedForDisplay(_:)``,
    /// then the characters Windows refuses in names (`< > : " | ? *`) become `_` (`:` would open an NTFS
    /// alternate data stream), trailing dots and spaces (which Windows drops) go, and a device name (`CON`,
    /// `PRN`, `AUX`, `NUL`, `COM1`–`COM9`, `LPT1`–`LPT9`, alone or with any extension) gets a leading `_`.
    public static func zipEntryName(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in sanitizedForDisplay(name).unicodeScalars {
            scalars.append("<>:\"|?*".unicodeScalars.contains(scalar) ? "_" : scalar)
        }
        var safe = String(scalars)
        while let last = safe.last, last == "." || last == " " { safe.removeLast() }
        if safe.isEmpty { return fallback }
        let stem = safe.prefix { $0 != "." }.uppercased().trimmingWhitespace()
        return windowsDeviceNames.contains(stem) ? "_" + safe : safe
    }

    /// Names Windows maps to devices whatever the directory or extension.
    static let windowsDeviceNames: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
        for digit in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"] {
            names.insert("COM" + digit)
            names.insert("LPT" + digit)
        }
        return names
    }()

    /// C0/C1 control characters, line and paragraph separators, and the invisible direction marks,
    /// embeddings, overrides and isolates that can disguise an extension.
    package static func isInvisibleControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// The name a registration stores: without control and direction-formatting characters, so the name
    /// shown everywhere is the name of the file; nil when nothing visible is left.
    public static func cleanedForRegistration(_ name: String) -> String? {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: name.unicodeScalars.filter { !isInvisibleControl($0) })
        let cleaned = String(scalars)
        return cleaned.allSatisfy(\.isWhitespace) ? nil : cleaned
    }

    /// `name` cut to at most `limit` UTF-8 bytes on a character boundary, keeping an extension of up to 32 bytes.
    package static func truncated(_ name: String, toUTF8Bytes limit: Int) -> String {
        guard name.utf8.count > limit else { return name }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = name[dot...]
            if ext.utf8.count <= 32 {
                return prefix(of: name[..<dot], utf8Bytes: limit - ext.utf8.count) + ext
            }
        }
        return prefix(of: name[...], utf8Bytes: limit)
    }

    private static func prefix(of text: Substring, utf8Bytes limit: Int) -> String {
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > limit { break }
            result.append(character)
            used += size
        }
        return result
    }
}

extension String {
    /// The string without leading and trailing whitespace (no Foundation needed).
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
