/// User text (names, phone numbers, subjects, file names) made safe to show on pages and in mails.
///
/// Control characters could forge lines in plain-text mail; bidirectional overrides, embeddings,
/// isolates and marks could reorder what a reader sees (`invoice‮fdp.exe` shown as `invoiceexe.pdf`).
public enum DisplayText {
    /// `text` on one line: line and paragraph breaks and tabs become one space, other control and
    /// direction-formatting characters are dropped, surrounding whitespace is trimmed.
    public static func singleLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isBreak(scalar) {
                pendingSpace = true
                continue
            }
            if FileName.isInvisibleControl(scalar) { continue }
            if pendingSpace, !scalars.isEmpty { scalars.append(" ") }
            pendingSpace = false
            scalars.append(scalar)
        }
        return String(scalars).trimmingWhitespace()
    }

    /// Line breaks and tabs, which `singleLine` turns into a space rather than dropping.
    static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }
}
