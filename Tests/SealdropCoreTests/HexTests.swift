import Foundation
import SealdropCore
import Testing

/// Lower-case hex of checksums and hash-chain links.
@Suite struct HexTests {
    @Test func everyByteValueMatchesPrintf() {
        let all = (0...255).map(UInt8.init)
        #expect(Hex.encode(all) == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode([0xDE, 0xAD, 0xBE, 0xEF]) == "deadbeef")
    }
}
