import Foundation
import Testing
import SealdropCrypto

/// The encryptor's byte layout and state rules, in process (the real `age` proves the crypto in `AgeInteropTests`).
@Suite struct AgeEncryptorTests {
    static let recipients = [
        try! AgeRecipient(parsing: "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"),
        try! AgeRecipient(parsing: "age12zyn6yntjwlzpr595dql9umx0wxud7fxpju8hdsrfwavzc9s8aws67ull5"),
    ]

    @Test func headerHasOneX25519StanzaPerRecipientThenTheMACAndANonce() throws {
        var encryptor = try AgeEncryptor(recipients: Self.recipients)
        let header = encryptor.header()
        #expect(encryptor.header() == header)
        let offset = try AgeFile.payloadOffset(header)
        #expect(header.count == offset + 16)
        let lines = String(decoding: header[..<offset], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        // Version, two stanzas of two lines, MAC, and the empty string after the last line feed.
        #expect(lines.count == 7)
        #expect(lines[0] == "age-encryption.org/v1")
        let base64 = try Regex("^[A-Za-z0-9+/]{43}$")
        for stanza in [1, 3] {
            let arguments = lines[stanza].split(separator: " ")
            #expect(arguments.count == 3 && arguments[0] == "->" && arguments[1] == "X25519")
            #expect(arguments.count == 3 && arguments[2].wholeMatch(of: base64) != nil)
            // 32-byte body (16-byte file key + tag): one line of 43 characters, shorter than 64.
            #expect(lines[stanza + 1].wholeMatch(of: base64) != nil)
        }
        #expect(lines[1] != lines[3])
        #expect(lines[5].hasPrefix("--- ") && lines[5].dropFirst(4).wholeMatch(of: base64) != nil)
        #expect(lines[6].isEmpty)
    }

    @Test func everyFileGetsFreshKeysSharesAndNonce() throws {
        var first = try AgeEncryptor(recipients: [Self.recipients[0]])
        var second = try AgeEncryptor(recipients: [Self.recipients[0]])
        let (a, b) = (first.header(), second.header())
        #expect(a.count == b.count)
        let shareLine = { (header: [UInt8]) in String(decoding: header, as: UTF8.self).split(separator: "\n")[1] }
        #expect(shareLine(a) != shareLine(b))
        #expect(a.suffix(16) != b.suffix(16))
        // Same plaintext, different ciphertext: the payload key differs.
        #expect(try first.update([1, 2, 3]) + first.finish() != second.update([1, 2, 3]) + second.finish())
    }

    @Test func atLeastOneRecipientIsNeeded() {
        #expect(throws: AgeError.noRecipients) { try AgeEncryptor(recipients: []) }
    }

    @Test func theHeaderComesFirstAndNothingFollowsFinish() throws {
        var encryptor = try AgeEncryptor(recipients: Self.recipients)
        #expect(throws: AgeError.headerNotWritten) { try encryptor.update([1]) }
        #expect(throws: AgeError.headerNotWritten) { try encryptor.finish() }
        _ = encryptor.header()
        #expect(try encryptor.update([1]).isEmpty)
        #expect(try encryptor.finish().count == 1 + 16)
        #expect(throws: AgeError.alreadyFinished) { try encryptor.finish() }
        #expect(throws: AgeError.alreadyFinished) { try encryptor.update([1]) }
    }

    /// Only chunks known not to be last leave `update`: the 64 KiB of a 64 KiB plaintext stay until `finish`.
    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 131_072, 196_609])
    func chunksAreHeldBackUntilMoreBytesFollow(size: Int) throws {
        var encryptor = try AgeEncryptor(recipients: [Self.recipients[0]])
        let header = encryptor.header()
        let sealed = try encryptor.update([UInt8](repeating: 7, count: size))
        let fullChunksBefore = size == 0 ? 0 : (size - 1) / 65_536
        #expect(sealed.count == fullChunksBefore * 65_552)
        let last = try encryptor.finish()
        #expect(last.count == size - fullChunksBefore * 65_536 + 16)
        #expect(Int64(header.count + sealed.count + last.count) == encryptor.encryptedSize(plaintextSize: Int64(size)))
    }

    @Test func emptyUpdatesChangeNothing() throws {
        var encryptor = try AgeEncryptor(recipients: [Self.recipients[0]])
        _ = encryptor.header()
        #expect(try encryptor.update([UInt8]()).isEmpty)
        #expect(try encryptor.update([UInt8](repeating: 1, count: 65_536)).isEmpty)
        #expect(try encryptor.update(Data()).isEmpty)
        #expect(try encryptor.update([1]).count == 65_552)
        #expect(try encryptor.finish().count == 17)
    }
}
