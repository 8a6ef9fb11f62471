import Crypto
import Foundation
import Testing
import SealdropCrypto

/// Files written by `AgeEncryptor` open with the real `age -d`; tampered or truncated ones do not.
@Suite(.enabled(if: AgeCLI.available)) // Never skipped where CI=true (available is true there).
struct AgeInteropTests {
    @Test func recipientsFromAgeKeygenParseToTheKeyOfTheirIdentity() throws {
        let dir = try TemporaryDirectory()
        let identity = try AgeCLI.makeIdentity(in: dir, name: "key")
        let recipient = try AgeRecipient(parsing: identity.recipient)
        #expect(recipient.description == identity.recipient)
        let (prefix, scalar) = try Bech32.decode(identity.secretKey)
        #expect(prefix == "age-secret-key-")
        let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: scalar)
        #expect(Array(key.publicKey.rawRepresentation) == recipient.publicKey)
        let converted = try AgeCLI.run(AgeCLI.keygen, ["-y", identity.keyFile], in: dir)
        #expect(String(decoding: converted.stdout, as: UTF8.self) == identity.recipient + "\n")
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 3 * 65_536, 5 << 20 + 7], [1, 1000, 70_000])
    func ageDecryptsEverySizeFedInEverySlice(size: Int, slice: Int) throws {
        let dir = try TemporaryDirectory()
        let identity = try AgeCLI.makeIdentity(in: dir, name: "key")
        var random = TestBytes(seed: UInt64(size) &* 31 &+ UInt64(slice))
        let plaintext = random.bytes(size)
        let file = try AgeFile.seal(plaintext, to: [AgeRecipient(parsing: identity.recipient)], slice: slice)
        let opened = try AgeCLI.decrypt(file, with: identity, in: dir)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.count == plaintext.count)
        #expect(AgeFile.digest(opened.stdout) == AgeFile.digest(plaintext))
    }

    @Test func nonContiguousInputIsCopiedAChunkAtATime() throws {
        let dir = try TemporaryDirectory()
        let identity = try AgeCLI.makeIdentity(in: dir, name: "key")
        let size = 200_000
        var encryptor = try AgeEncryptor(recipients: [AgeRecipient(parsing: identity.recipient)])
        var file = encryptor.header()
        file += try encryptor.update((0..<size).lazy.map { UInt8(truncatingIfNeeded: $0 &* 7) })
        file += try encryptor.finish()
        let opened = try AgeCLI.decrypt(file, with: identity, in: dir)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(AgeFile.digest(opened.stdout) == AgeFile.digest((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
    }

    @Test func eachOfTwoRecipientsDecryptsAndNoOtherIdentityDoes() throws {
        let dir = try TemporaryDirectory()
        let first = try AgeCLI.makeIdentity(in: dir, name: "first")
        let second = try AgeCLI.makeIdentity(in: dir, name: "second")
        let stranger = try AgeCLI.makeIdentity(in: dir, name: "stranger")
        var random = TestBytes(seed: 2)
        let plaintext = random.bytes(150_000)
        let file = try AgeFile.seal(plaintext, to: [AgeRecipient(parsing: first.recipient), AgeRecipient(parsing: second.recipient)])
        for identity in [first, second] {
            let opened = try AgeCLI.decrypt(file, with: identity, in: dir)
            #expect(opened.status == 0, "\(opened.stderr)")
            #expect(AgeFile.digest(opened.stdout) == AgeFile.digest(plaintext))
        }
        let refused = try AgeCLI.decrypt(file, with: stranger, in: dir)
        #expect(refused.status != 0)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("no identity matched any of the recipients"))
    }

    /// A three-chunk file for two recipients, with the identities that open it and where its parts lie.
    struct Sealed {
        var dir: TemporaryDirectory
        var first: AgeCLI.Identity
        var second: AgeCLI.Identity
        var plaintext: [UInt8]
        var file: [UInt8]
        /// Offset of the 16-byte payload nonce; the chunks of 65 552 bytes follow it.
        var payload: Int

        init() throws {
            dir = try TemporaryDirectory()
            first = try AgeCLI.makeIdentity(in: dir, name: "first")
            second = try AgeCLI.makeIdentity(in: dir, name: "second")
            var random = TestBytes(seed: 3)
            plaintext = random.bytes(3 * 65_536)
            file = try AgeFile.seal(plaintext, to: [AgeRecipient(parsing: first.recipient), AgeRecipient(parsing: second.recipient)])
            payload = try AgeFile.payloadOffset(file)
            #expect(file.count == payload + 16 + 3 * 65_552)
        }

        /// Offset of chunk `index` in the file.
        func chunk(_ index: Int) -> Int { payload + 16 + index * 65_552 }

        /// `age -d` with the first identity over `bytes`: must fail, with `reason` in its message.
        func expectRefused(_ bytes: [UInt8], reason: String, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(AgeFile.digest(bytes) != AgeFile.digest(file), comment, sourceLocation: sourceLocation)
            let outcome = try AgeCLI.decrypt(bytes, with: first, in: dir)
            #expect(outcome.status != 0, comment, sourceLocation: sourceLocation)
            #expect(outcome.stderr.contains(reason), "\(comment): \(outcome.stderr)", sourceLocation: sourceLocation)
        }

        /// The range of header line `number` (0-based), without its line feed.
        func line(_ number: Int) -> Range<Int> {
            var start = 0
            for _ in 0..<number { start = file[start...].firstIndex(of: 0x0A)! + 1 }
            return start..<file[start...].firstIndex(of: 0x0A)!
        }
    }

    /// `c` replaced by another base64 character, so the header still parses.
    static func otherBase64(_ c: UInt8) -> UInt8 { c == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A") }

    @Test func theUntouchedFileOpens() throws {
        let sealed = try Sealed()
        let opened = try AgeCLI.decrypt(sealed.file, with: sealed.first, in: sealed.dir)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(AgeFile.digest(opened.stdout) == AgeFile.digest(sealed.plaintext))
    }

    /// The first identity still unwraps the file key from its own stanza: only the MAC can notice these changes.
    @Test func theHeaderMACCoversEveryStanzaAndItsOrder() throws {
        let sealed = try Sealed()
        // Lines: 0 version, 1-2 first stanza, 3-4 second stanza, 5 MAC.
        var otherBody = sealed.file
        otherBody[sealed.line(4).lowerBound + 5] = Self.otherBase64(otherBody[sealed.line(4).lowerBound + 5])
        try sealed.expectRefused(otherBody, reason: "bad header MAC", "a byte of the other recipient's stanza body")

        var otherShare = sealed.file
        let share = sealed.line(3).lowerBound + "-> X25519 ".count + 3
        otherShare[share] = Self.otherBase64(otherShare[share])
        try sealed.expectRefused(otherShare, reason: "bad header MAC", "a byte of the other recipient's ephemeral share")

        var swapped = Array(sealed.file[..<sealed.line(1).lowerBound])
        swapped += sealed.file[sealed.line(3).lowerBound..<sealed.line(5).lowerBound]
        swapped += sealed.file[sealed.line(1).lowerBound..<sealed.line(3).lowerBound]
        swapped += sealed.file[sealed.line(5).lowerBound...]
        #expect(swapped.count == sealed.file.count)
        try sealed.expectRefused(swapped, reason: "bad header MAC", "the two stanzas swapped")

        var otherMAC = sealed.file
        let mac = sealed.line(5).lowerBound + 10
        otherMAC[mac] = Self.otherBase64(otherMAC[mac])
        try sealed.expectRefused(otherMAC, reason: "bad header MAC", "a byte of the MAC")
    }

    @Test func aFlippedPayloadByteIsRefused() throws {
        let sealed = try Sealed()
        for (offset, what) in [
            (sealed.payload + 3, "the payload nonce"),
            (sealed.chunk(0) + 100, "the first chunk's ciphertext"),
            (sealed.chunk(1) + 65_540, "the second chunk's tag"),
            (sealed.file.count - 1, "the last chunk's tag"),
        ] {
            var flipped = sealed.file
            flipped[offset] ^= 0x01
            try sealed.expectRefused(flipped, reason: "failed to decrypt and authenticate payload chunk", Comment(rawValue: what))
        }
    }

    /// Cut at a chunk boundary, the file ends in a chunk that opens only as not-last, so `age` reaches the end
    /// without a last chunk ("unexpected EOF"); were every chunk flagged last, these cuts would decrypt. The
    /// chunk counter is in the nonce, so reordering fails too.
    @Test func truncatedExtendedOrReorderedPayloadsAreRefused() throws {
        let sealed = try Sealed()
        try sealed.expectRefused(Array(sealed.file[..<sealed.chunk(2)]), reason: "unexpected EOF", "last chunk dropped")
        try sealed.expectRefused(Array(sealed.file[..<sealed.chunk(1)]), reason: "unexpected EOF", "last two chunks dropped")
        try sealed.expectRefused(Array(sealed.file[..<(sealed.payload + 16)]), reason: "unexpected EOF", "all chunks dropped")
        try sealed.expectRefused(Array(sealed.file.dropLast()), reason: "failed to decrypt and authenticate payload chunk", "last byte dropped")
        try sealed.expectRefused(sealed.file + [0], reason: "trailing data", "a byte appended")
        var reordered = Array(sealed.file[..<sealed.chunk(0)])
        reordered += sealed.file[sealed.chunk(1)..<sealed.chunk(2)]
        reordered += sealed.file[sealed.chunk(0)..<sealed.chunk(1)]
        reordered += sealed.file[sealed.chunk(2)...]
        try sealed.expectRefused(reordered, reason: "failed to decrypt and authenticate payload chunk", "first two chunks swapped")
    }
}
