import Testing

import SealdropCore

@Suite struct Base64URLTests {
    @Test func encodesUnpaddedWithTheURLAlphabet() {
        #expect(Base64URL.encode([]) == "")
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
    }

    @Test func roundTripsEveryLength() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }

    @Test(arguments: ["Zm8=", "+_8", "/_8", "Z", "Zm9vY", "Zm9v!"])
    func rejectsPaddingForeignAlphabetAndImpossibleLengths(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}

@Suite struct ConstantTimeTests {
    @Test func comparesBytesAndStrings() {
        #expect(ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equal([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(ConstantTime.equal([] as [UInt8], [] as [UInt8]))
        #expect(ConstantTime.equal("token-ä", "token-ä"))
        #expect(!ConstantTime.equal("token", "tokem"))
        #expect(!ConstantTime.equal("token", "token "))
    }
}
