/// IBM code page 437, the encoding of ZIP names without the UTF-8 flag (APPNOTE appendix D).
///
/// Bytes below 0x80 are ASCII; the upper half maps through the table below (what Python's `cp437`
/// codec and Info-ZIP's `unzip` use), so `Prüfung.txt` zipped by an old Windows tool reads as such.
enum CP437 {
    /// The characters of bytes 0x80…0xFF, in order.
    static let upper: [Character] = Array(
        "ÇüéâäàåçêëèïîìÄÅ" + "ÉæÆôöòûùÿÖÜ¢£¥₧ƒ" + "áíóúñÑªº¿⌐¬½¼¡«»" + "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
            + "└┴┬├─┼╞╟╚╔╩╦╠═╬╧" + "╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" + "αßΓπΣσµτΦΘΩδ∞φε∩" + "≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{A0}")

    /// The text of `bytes` in code page 437.
    static func decode(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        text.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte < 0x80 {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text.append(upper[Int(byte - 0x80)])
            }
        }
        return text
    }
}
