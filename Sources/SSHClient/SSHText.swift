import Foundation
import NIOCore

/// Turning a remote program's bytes into text fit for an error message or a log line.
enum SSHText {
    /// At most `limit` bytes as UTF-8 (invalid sequences replaced), control characters but newlines and tabs
    /// dropped, surrounding whitespace trimmed, and "…" when cut.
    static func excerpt(_ buffer: ByteBuffer, limit: Int = 512) -> String {
        self.excerpt(Array(buffer.readableBytesView), limit: limit)
    }

    /// The same for bytes.
    static func excerpt(_ bytes: [UInt8], limit: Int = 512) -> String {
        let cut = bytes.count > limit
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.filter { scalar in
            scalar == "\n" || scalar == "\t" || !(scalar.value < 0x20 || scalar.value == 0x7F)
        }))
        let trimmed = cleaned.trimmingCharacters(in: .whitespacesAndNewlines)
        return cut ? trimmed + "…" : trimmed
    }
}
