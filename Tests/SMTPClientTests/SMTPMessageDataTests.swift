import Testing

@testable import SMTPClient

/// DATA preparation: CRLF normalisation, dot-stuffing, end marker, measurements.
@Suite struct SMTPMessageDataTests {
    private func wire(_ text: String) -> String {
        String(decoding: SMTPMessageData(Array(text.utf8)).wireBytes, as: UTF8.self)
    }

    @Test func linesStartingWithADotAreStuffed() {
        #expect(self.wire("a\r\n.b\r\n..c\r\n") == "a\r\n..b\r\n...c\r\n.\r\n")
    }

    @Test func aLoneDotLineCannotEndTheMessageEarly() {
        #expect(self.wire("before\r\n.\r\nafter\r\n") == "before\r\n..\r\nafter\r\n.\r\n")
    }

    @Test func dotsInsideALineAreLeftAlone() {
        #expect(self.wire("a.b. c.\r\n") == "a.b. c.\r\n.\r\n")
    }

    @Test func bareLFAndBareCRBecomeCRLF() {
        #expect(self.wire("a\nb\rc\r\nd") == "a\r\nb\r\nc\r\nd\r\n.\r\n")
        #expect(self.wire("x\n.y\n") == "x\r\n..y\r\n.\r\n")
    }

    @Test func messageStartingWithADotIsStuffed() {
        #expect(self.wire(".hidden") == "..hidden\r\n.\r\n")
    }

    @Test func emptyMessageIsJustTheEndMarker() {
        #expect(self.wire("") == ".\r\n")
    }

    @Test func sizeCountsNormalisedOctetsWithoutStuffing() {
        let data = SMTPMessageData(Array("A: b\n\n.x\n".utf8))
        // "A: b\r\n\r\n.x\r\n" = 6 + 2 + 4
        #expect(data.size == 12)
        #expect(data.longestLineLength == 4)
    }

    @Test func eightBitAndHeaderUTF8AreDetected() {
        let ascii = SMTPMessageData(Array("Subject: hi\r\n\r\nbody\r\n".utf8))
        #expect(!ascii.contains8BitData && !ascii.headerContainsNonASCII)
        let bodyOnly = SMTPMessageData(Array("Subject: hi\r\n\r\nGrüße\r\n".utf8))
        #expect(bodyOnly.contains8BitData && !bodyOnly.headerContainsNonASCII)
        let header = SMTPMessageData(Array("Subject: Grüße\r\n\r\nbody\r\n".utf8))
        #expect(header.contains8BitData && header.headerContainsNonASCII)
    }
}
