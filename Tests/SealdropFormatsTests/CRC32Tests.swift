import Testing

@testable import SealdropFormats

@Suite struct CRC32Tests {
    @Test func knownVectors() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([UInt8](repeating: 0, count: 32)) == 0x190A_55AD)
        #expect(CRC32.checksum([UInt8](repeating: 0xFF, count: 32)) == 0xFF6C_AB0B)
    }

    @Test func incrementalUpdatesMatchOneShotAtEveryAlignment() {
        let data = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = CRC32.checksum(data)
        for split in [0, 1, 3, 7, 8, 9, 500, 999, 1_000] {
            var crc = CRC32()
            crc.update(Array(data[..<split]))
            crc.update(Array(data[split...]))
            #expect(crc.value == expected)
        }
        var bytewise = CRC32()
        for byte in data { bytewise.update([byte]) }
        #expect(bytewise.value == expected)
    }

    @Test func zlibAndSwiftAgreeOnEveryLengthAndSplit() throws {
        #expect(ZlibCRC32.function != nil, "libz.so.1 is part of every Debian system")
        var generator = SystemRandomNumberGenerator()
        let data = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for length in [0, 1, 7, 8, 9, 63, 64, 1000, 65_537, 70_000] {
            let slice = Array(data[0..<length])
            var swift = CRC32()
            slice.withUnsafeBytes { swift.updateInSwift($0) }
            var split = CRC32()
            let cut = length / 3
            split.update(Array(slice[0..<cut]))
            split.update(Array(slice[cut...]))
            #expect(CRC32.checksum(slice) == swift.value, "length \(length)")
            #expect(split.value == swift.value, "length \(length) split at \(cut)")
        }
    }
}
