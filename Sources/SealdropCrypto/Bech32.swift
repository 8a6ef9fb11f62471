/// Bech32 (BIP 173) as age uses it: no 90-character limit, all-upper or all-lowercase, checksum over the lowercase.
///
/// Not Bech32m: age recipients and identities use the original checksum constant 1.
public enum Bech32 {
    /// The 32-character data alphabet; a character's index is its 5-bit value.
    static let alphabet: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    /// 5-bit value of each ASCII byte in the alphabet, or -1.
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()

    /// The lowercase Bech32 string for `humanReadablePart` (lowercase printable ASCII) and `data` (8-bit bytes).
    public static func encode(humanReadablePart: String, data: [UInt8]) -> String {
        let hrp = Array(humanReadablePart.utf8)
        let groups = regroup(data, from: 8, to: 5, pad: true)!
        let mod = polymod(expand(hrp) + groups + [UInt8](repeating: 0, count: 6)) ^ 1
        let checksum = (0..<6).map { UInt8((mod >> (5 * (5 - $0))) & 31) }
        var out = hrp
        out.append(UInt8(ascii: "1"))
        out += (groups + checksum).map { alphabet[Int($0)] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits `text` into its lowercase human-readable part and data bytes, verifying the checksum and padding.
    public static func decode(_ text: String) throws(AgeError) -> (humanReadablePart: String, data: [UInt8]) {
        var bytes = Array(text.utf8)
        var hasLower = false
        var hasUpper = false
        for (position, byte) in bytes.enumerated() {
            guard (33...126).contains(byte) else { throw .invalidCharacter(position: position) }
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) { hasLower = true }
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) { hasUpper = true }
        }
        if hasLower && hasUpper { throw .mixedCase }
        if hasUpper { bytes = bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 } }

        guard let separator = bytes.lastIndex(of: UInt8(ascii: "1")), separator > 0 else { throw .missingSeparator }
        guard bytes.count - separator - 1 >= 6 else { throw .tooShort }
        let hrp = Array(bytes[..<separator])
        var groups: [UInt8] = []
        groups.reserveCapacity(bytes.count - separator - 1)
        for position in (separator + 1)..<bytes.count {
            let value = values[Int(bytes[position])]
            guard value >= 0 else { throw .invalidCharacter(position: position) }
            groups.append(UInt8(value))
        }
        guard polymod(expand(hrp) + groups) == 1 else { throw .badChecksum }
        guard let data = regroup(groups.dropLast(6), from: 5, to: 8, pad: false) else { throw .invalidPadding }
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    /// The BCH checksum state over 5-bit `values` (BIP 173 `bech32_polymod`).
    static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3B6A_57B2, 0x2650_8E6D, 0x1EA1_19FA, 0x3D42_33DD, 0x2A14_62B3]
        var check: UInt32 = 1
        for value in values {
            let top = check >> 25
            check = (check & 0x1FF_FFFF) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> bit) & 1 == 1 { check ^= generator[bit] }
        }
        return check
    }

    /// The prefix as the checksum sees it: high bits of each character, a zero, then the low bits.
    static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups `input` from `from`-bit to `to`-bit values; nil when unpadded input leaves anything but fewer
    /// than `from` zero bits.
    static func regroup(_ input: some Collection<UInt8>, from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        let mask = (1 << to) - 1
        var out: [UInt8] = []
        out.reserveCapacity(input.count * from / to + 1)
        for value in input {
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & mask))
            }
            accumulator &= (1 << bits) - 1
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from || accumulator != 0 {
            return nil
        }
        return out
    }
}
