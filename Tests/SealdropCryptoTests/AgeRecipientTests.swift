import Crypto
import Foundation
import Testing
import SealdropCrypto

/// `age1…` parsing: Bech32 checksum, case rules, prefix, key length, low-order keys (c2sp.org/age, BIP 173).
@Suite struct AgeRecipientTests {
    /// The X25519 example of the age spec: this identity's recipient is `specRecipient`.
    static let specIdentity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    static let specRecipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"

    /// Parses `text` and returns the error it was refused with (nil when it parsed).
    static func refusal(_ text: String) -> AgeError? {
        do {
            _ = try AgeRecipient(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test func specExampleRoundTripsAndMatchesItsIdentity() throws {
        let recipient = try AgeRecipient(parsing: Self.specRecipient)
        #expect(recipient.description == Self.specRecipient)
        #expect(recipient.publicKey.count == 32)
        let (prefix, scalar) = try Bech32.decode(Self.specIdentity)
        #expect(prefix == "age-secret-key-")
        let identity = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: scalar)
        #expect(try AgeRecipient(publicKey: identity.publicKey) == recipient)
    }

    @Test func uppercaseIsAcceptedAndPrintedLowercase() throws {
        let upper = try AgeRecipient(parsing: Self.specRecipient.uppercased())
        #expect(upper == (try AgeRecipient(parsing: Self.specRecipient)))
        #expect(upper.description == Self.specRecipient)
    }

    @Test func mixedCaseIsRefused() {
        var text = Array(Self.specRecipient)
        text[10] = Character(text[10].uppercased())
        #expect(Self.refusal(String(text)) == .mixedCase)
        #expect(Self.refusal("AGE1" + Self.specRecipient.dropFirst(4)) == .mixedCase)
    }

    @Test func everySingleCharacterChangeBreaksTheChecksum() {
        let text = Array(Self.specRecipient)
        for position in 4..<text.count {
            var changed = text
            changed[position] = text[position] == "q" ? "p" : "q"
            #expect(Self.refusal(String(changed)) == .badChecksum, "position \(position)")
        }
        var swapped = text
        swapped.swapAt(20, 21)
        #expect(Self.refusal(String(swapped)) == .badChecksum)
        #expect(Self.refusal(String(Self.specRecipient.dropLast())) == .badChecksum)
    }

    @Test func otherPrefixesAreRefusedByKind() throws {
        let key = try AgeRecipient(parsing: Self.specRecipient).publicKey
        #expect(Self.refusal(Bech32.encode(humanReadablePart: "bge", data: key)) == .notAnAgeRecipient)
        #expect(Self.refusal(Bech32.encode(humanReadablePart: "ag", data: key)) == .notAnAgeRecipient)
        #expect(Self.refusal(Bech32.encode(humanReadablePart: "age1pq", data: key)) == .unsupportedRecipientType)
        #expect(Self.refusal(Bech32.encode(humanReadablePart: "age1yubikey", data: key)) == .unsupportedRecipientType)
    }

    @Test func aPastedIdentityIsNamedButNotEchoed() throws {
        let error = try #require(Self.refusal(Self.specIdentity))
        #expect(error == .identityInsteadOfRecipient)
        #expect(!error.description.contains("GFPYYSJZ"))
        #expect(!error.description.lowercased().contains("gfpyysjz"))
    }

    @Test(arguments: [0, 1, 16, 31, 33, 64])
    func otherDataLengthsAreRefused(count: Int) {
        let text = Bech32.encode(humanReadablePart: "age", data: [UInt8](repeating: 0x42, count: count))
        #expect(Self.refusal(text) == .wrongKeyLength(count))
    }

    @Test func lowOrderKeysAreRefused() {
        let zero = [UInt8](repeating: 0, count: 32)
        var one = zero
        one[0] = 1
        // p - 1 = 2^255 - 20, little-endian.
        var minusOne = [UInt8](repeating: 0xFF, count: 32)
        minusOne[0] = 0xEC
        minusOne[31] = 0x7F
        for key in [zero, one, minusOne] {
            #expect(Self.refusal(Bech32.encode(humanReadablePart: "age", data: key)) == .lowOrderKey)
        }
    }

    @Test func malformedStringsAreRefusedWithTheReason() {
        #expect(Self.refusal("") == .missingSeparator)
        #expect(Self.refusal("agezvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj") == .missingSeparator)
        #expect(Self.refusal("1qqqqqqqq") == .missingSeparator)
        #expect(Self.refusal("age1qqqqq") == .tooShort)
        #expect(Self.refusal(" " + Self.specRecipient) == .invalidCharacter(position: 0))
        #expect(Self.refusal(Self.specRecipient + "\n") == .invalidCharacter(position: Self.specRecipient.utf8.count))
        // "b", "i", "o" and "1" are not in the data alphabet.
        var text = Array(Self.specRecipient)
        text[7] = "b"
        #expect(Self.refusal(String(text)) == .invalidCharacter(position: 7))
        #expect(Self.refusal("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwé") == .invalidCharacter(position: 61))
    }

    @Test func nonZeroOrExcessPaddingIsRefused() {
        // 52 groups carry 256 key bits and 4 padding bits; set one padding bit.
        var groups = ReferenceBech32.groups(of: [UInt8](repeating: 0x42, count: 32))
        #expect(groups.count == 52)
        groups[51] |= 1
        #expect(Self.refusal(ReferenceBech32.string(humanReadablePart: "age", groups: groups)) == .invalidPadding)
        // 31 bytes take 50 groups with 2 padding bits; one more zero group makes 7, more than a whole group.
        let excess = ReferenceBech32.groups(of: [UInt8](repeating: 0x42, count: 31)) + [0]
        #expect(Self.refusal(ReferenceBech32.string(humanReadablePart: "age", groups: excess)) == .invalidPadding)
    }

    /// BIP 173's valid test strings decode (the 90-character limit does not apply to age, so no vector tests it).
    @Test(arguments: [
        "A12UEL5L", "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
        "?1ezyfcl",
    ])
    func bip173ValidStringsDecode(text: String) throws {
        let (prefix, data) = try Bech32.decode(text)
        #expect(Bech32.encode(humanReadablePart: prefix, data: data) == text.lowercased())
    }

    /// BIP 173's invalid test strings are refused, each for its reason.
    @Test func bip173InvalidStringsAreRefused() {
        let cases: [(String, AgeError)] = [
            ("\u{20}1nwldj5", .invalidCharacter(position: 0)),
            ("\u{7F}1axkwrx", .invalidCharacter(position: 0)),
            ("pzry9x0s0muk", .missingSeparator),
            ("1pzry9x0s0muk", .missingSeparator),
            ("x1b4n0q5v", .invalidCharacter(position: 2)),
            ("li1dgmt3", .tooShort),
            ("A1G7SGD8", .badChecksum),
            ("10a06t8", .missingSeparator),
            ("1qzzfhee", .missingSeparator),
        ]
        for (text, reason) in cases {
            #expect(throws: reason, "\(text)") { try Bech32.decode(text) }
        }
    }
}

/// A reference Bech32 writer over raw 5-bit groups (BIP 173's Python, transcribed), to build strings the
/// production encoder never writes: non-zero or excess padding bits under a valid checksum.
enum ReferenceBech32 {
    static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    /// 8-bit `bytes` as 5-bit groups, zero-padded.
    static func groups(of bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var accumulator = 0
        var bits = 0
        for byte in bytes {
            accumulator = accumulator << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(UInt8(accumulator >> bits & 31))
            }
        }
        if bits > 0 { out.append(UInt8(accumulator << (5 - bits) & 31)) }
        return out
    }

    /// `hrp` ‖ "1" ‖ `groups` ‖ checksum.
    static func string(humanReadablePart hrp: String, groups: [UInt8]) -> String {
        let generator = [0x3B6A_57B2, 0x2650_8E6D, 0x1EA1_19FA, 0x3D42_33DD, 0x2A14_62B3]
        let expanded = hrp.utf8.map { Int($0) >> 5 } + [0] + hrp.utf8.map { Int($0) & 31 }
        var check = 1
        for value in expanded + groups.map(Int.init) + [0, 0, 0, 0, 0, 0] {
            let top = check >> 25
            check = (check & 0x1FF_FFFF) << 5 ^ value
            for i in 0..<5 where top >> i & 1 == 1 { check ^= generator[i] }
        }
        check ^= 1
        let checksum = (0..<6).map { check >> (5 * (5 - $0)) & 31 }
        return hrp + "1" + String((groups.map(Int.init) + checksum).map { charset[$0] })
    }
}
