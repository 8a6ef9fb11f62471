import SealdropCore

/// `Content-Disposition` header values for downloads (RFC 6266 with RFC 8187/5987 `filename*`).
public enum ContentDisposition {
    /// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`.
    ///
    /// Control characters are dropped first, so the value never holds CR, LF or NUL. In the
    /// fallback every non-ASCII character becomes `_` and `"` and `\` are backslash-escaped.
    public static func attachment(filename: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: filename.unicodeScalars.filter { !FileName.isInvisibleControl($0) })
        let name = scalars.isEmpty ? FileName.fallback : String(scalars)
        return "attachment; filename=\"\(asciiFallback(name))\"; filename*=UTF-8''\(percentEncoded(name))"
    }

    /// The quoted-string content: printable ASCII kept (quotes and backslashes escaped), the rest `_`.
    static func asciiFallback(_ name: String) -> String {
        var result = ""
        for character in name {
            guard let ascii = character.asciiValue, (0x20...0x7E).contains(ascii) else {
                result.append("_")
                continue
            }
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// RFC 8187 `value-chars`: UTF-8 bytes, everything but `attr-char` percent-encoded in upper-case hex.
    static func percentEncoded(_ name: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes = [UInt8]()
        for byte in name.utf8 {
            if isAttrChar(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isAttrChar(_ byte: UInt8) -> Bool {
        if AlphanumericToken.isAlphanumeric(byte) { return true }
        return "!#$&+-.^_`|~".utf8.contains(byte)
    }
}
