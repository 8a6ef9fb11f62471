import Foundation
import Testing

@testable import SealdropCore

@Suite struct IdentifierTests {
    private static let alphanumerics = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    @Test func trackingIDAcceptsClientExamples() throws {
        let id = try #require(TrackingID(rawValue: "20240522-065711-H8UoUSI6"))
        #expect(id.description == "20240522-065711-H8UoUSI6")
        #expect(id.date == Date(timeIntervalSince1970: 1_716_361_031))
        #expect(TrackingID(rawValue: "20240524-192513-3n2yqVIW") != nil)
        #expect(TrackingID(rawValue: "20240229-235959-abcdefgh") != nil)
    }

    @Test(arguments: [
        "", "20240522-065711-H8UoUSI", "20240522-065711-H8UoUSI67", "20240522_065711-H8UoUSI6",
        "20240522-065711-H8UoUS-6", "20241322-065711-H8UoUSI6", "20230229-065711-H8UoUSI6",
        "20240431-065711-H8UoUSI6", "20240522-245711-H8UoUSI6", "20240522-066011-H8UoUSI6",
        "20240522-065760-H8UoUSI6", "2024052a-065711-H8UoUSI6", "20240522-065711-H8UoUSÜ6",
    ])
    func trackingIDRejectsMalformed(raw: String) {
        #expect(TrackingID(rawValue: raw) == nil)
    }

    @Test func trackingIDGenerationStampsUTC() throws {
        let date = try #require(APIDate.parse("2024-05-22T08:57:11+02:00"))
        let id = TrackingID.random(at: date)
        #expect(id.rawValue.hasPrefix("20240522-065711-"))
        #expect(id.rawValue.suffix(8).allSatisfy(Self.alphanumerics.contains))
        #expect(TrackingID(rawValue: id.rawValue) == id)
        #expect(id.date == date)
        #expect(TrackingID.random().date.timeIntervalSinceNow.magnitude < 5)
    }

    @Test func shortIDsAreTenAlphanumerics() {
        #expect(TransferID(rawValue: "5yVluOW8NR") != nil)
        #expect(FileID(rawValue: "a58dFp1Tr7") != nil)
        for bad in ["5yVluOW8N", "5yVluOW8NR1", "5yVluOW8N-", "5yVluOW8N ", "5yVluOW8Nß"] {
            #expect(TransferID(rawValue: bad) == nil)
            #expect(FileID(rawValue: bad) == nil)
        }
        let ids = (0..<200).map { _ in TransferID.random().rawValue } + (0..<200).map { _ in FileID.random().rawValue }
        #expect(ids.allSatisfy { $0.count == 10 && $0.allSatisfy(Self.alphanumerics.contains) })
        #expect(Set(ids).count == ids.count)
    }

    @Test func clientIDLengthBounds() {
        #expect(ClientID(rawValue: String(repeating: "a", count: 49)) == nil)
        #expect(ClientID(rawValue: String(repeating: "a", count: 50)) != nil)
        #expect(ClientID(rawValue: String(repeating: "Z9", count: 2_000)) != nil)
        #expect(ClientID(rawValue: String(repeating: "a", count: 4_001)) == nil)
        #expect(ClientID(rawValue: String(repeating: "a", count: 59) + "!") == nil)
        let random = ClientID.random()
        #expect(random.rawValue.count == 64)
        #expect(ClientID(rawValue: random.rawValue) == random)
    }

    @Test func randomIDsUseTheGivenGenerator() {
        /// A counter-based generator: deterministic, never stuck in rejection sampling.
        struct Counter: RandomNumberGenerator {
            var state: UInt64
            mutating func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                return state
            }
        }
        var first = Counter(state: 1)
        var second = Counter(state: 1)
        #expect(FileID.random(using: &first) == FileID.random(using: &second))
        #expect(ClientID.random(using: &first) == ClientID.random(using: &second))
        #expect(TransferID.random(using: &first) != TransferID.random(using: &first))
    }

    @Test func randomTokensAreUniformAndCheapOnTheGenerator() {
        /// SplitMix64, counting its draws.
        struct Counting: RandomNumberGenerator {
            var state: UInt64 = 42
            var draws = 0
            mutating func next() -> UInt64 {
                draws += 1
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
        }
        var rng = Counting()
        let text = AlphanumericToken.random(length: 62 * 4000, using: &rng)
        // 8 characters per draw, less the ~3 % of bytes skipped for uniformity.
        #expect(rng.draws < text.count / 7)
        var counts: [UInt8: Int] = [:]
        for byte in text.utf8 { counts[byte, default: 0] += 1 }
        #expect(counts.count == 62)
        // Expected 4,000 each; a fixed seed, so this is a property of the method, not luck.
        #expect(counts.values.allSatisfy { (3_700...4_300).contains($0) })
        #expect(ClientID.random(using: &rng).rawValue.count == 64)
    }

    @Test func identifiersCodeAsValidatedStrings() throws {
        struct Envelope: Codable, Equatable { var tracking: TrackingID; var transfer: TransferID }
        let value = Envelope(tracking: TrackingID(rawValue: "20240522-065711-H8UoUSI6")!, transfer: TransferID(rawValue: "5yVluOW8NR")!)
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        #expect(json.contains(#""transfer":"5yVluOW8NR""#))
        #expect(try JSONDecoder().decode(Envelope.self, from: Data(json.utf8)) == value)
        let bad = #"{"tracking":"20240522-065711-H8UoUSI6","transfer":"short"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Envelope.self, from: Data(bad.utf8)) }
    }
}
