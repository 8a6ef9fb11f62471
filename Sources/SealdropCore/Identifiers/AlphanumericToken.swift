/// Random and validated strings over `[A-Za-z0-9]`, the alphabet of every Cryptshare identifier.
package enum AlphanumericToken {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// `length` characters drawn uniformly from the alphabet.
    ///
    /// Each 64-bit draw yields up to eight characters (bytes at or above 248 = 4 × 62 are skipped, so every
    /// character stays uniform): the system generator costs a syscall per draw, not per character.
    static func random<R: RandomNumberGenerator>(length: Int, using rng: inout R) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        while bytes.count < length {
            var word = rng.next()
            for _ in 0..<8 where bytes.count < length {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < 248 { bytes.append(alphabet[Int(byte) % alphabet.count]) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `string` is made only of ASCII letters and digits and its length lies in `lengths`.
    static func isValid(_ string: some StringProtocol, lengths: ClosedRange<Int>) -> Bool {
        let utf8 = string.utf8
        return lengths.contains(utf8.count) && utf8.allSatisfy(isAlphanumeric)
    }

    package static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"):
            true
        default:
            false
        }
    }
}
