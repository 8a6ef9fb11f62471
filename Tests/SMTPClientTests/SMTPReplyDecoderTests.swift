import NIOCore
import Testing

@testable import SMTPClient

/// Framing of server replies: single and multi-line, partial input, malformed lines.
@Suite struct SMTPReplyDecoderTests {
    /// Decodes every complete reply in `text`, fed in chunks of `chunkSize` bytes.
    private func decodeAll(_ text: String, chunkSize: Int = .max) throws -> [SMTPReply] {
        let processor = NIOSingleStepByteToMessageProcessor(SMTPReplyDecoder())
        var replies: [SMTPReply] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunkSize)
            try processor.process(buffer: ByteBuffer(bytes: bytes[start..<end])) { replies.append($0) }
            start = end
        }
        return replies
    }

    @Test func singleLineReply() throws {
        let replies = try self.decodeAll("220 mail.example.org ESMTP ready\r\n")
        #expect(replies == [SMTPReply(code: 220, "mail.example.org ESMTP ready")])
    }

    @Test func multiLineReplyIsOneReply() throws {
        let replies = try self.decodeAll("250-mail.example.org\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 HELP\r\n")
        #expect(replies.count == 1)
        #expect(replies.first?.code == 250)
        #expect(replies.first?.lines == ["mail.example.org", "SIZE 1000", "8BITMIME", "HELP"])
    }

    @Test func byteByByteInputGivesTheSameReplies() throws {
        let wire = "250-first\r\n250 second\r\n354 go ahead\r\n"
        #expect(try self.decodeAll(wire, chunkSize: 1) == self.decodeAll(wire))
        #expect(try self.decodeAll(wire, chunkSize: 1).count == 2)
    }

    @Test func bareCodeAndBareLFAreAccepted() throws {
        let replies = try self.decodeAll("250\n221 bye\n")
        #expect(replies == [SMTPReply(code: 250, ""), SMTPReply(code: 221, "bye")])
    }

    @Test func enhancedStatusCodeStaysInTheText() throws {
        let reply = try #require(try self.decodeAll("550 5.1.1 <x@example.org>: no such user\r\n").first)
        #expect(reply.enhancedStatusCode == "5.1.1")
        #expect(reply.text == "5.1.1 <x@example.org>: no such user")
        #expect(reply.isPermanentNegative)
        #expect(SMTPReply(code: 250, "OK").enhancedStatusCode == nil)
        #expect(SMTPReply(code: 250, "2.0.0 OK queued").enhancedStatusCode == "2.0.0")
    }

    @Test(arguments: [
        "hello\r\n",  // no code
        "25 short\r\n",  // two digits
        "250+oops\r\n",  // bad separator
        "999 too high\r\n",  // outside 2xx-5xx
        "250-first\r\n251 second\r\n",  // code changes inside one reply
    ])
    func malformedRepliesAreRejected(wire: String) {
        #expect(throws: SMTPReplyDecodingError.self) { try self.decodeAll(wire) }
    }

    @Test func overlongLineIsRejected() {
        let wire = "250 " + String(repeating: "x", count: SMTPReplyDecoder.maximumLineLength + 10)
        #expect(throws: SMTPReplyDecodingError.self) { try self.decodeAll(wire) }
    }

    @Test func partialReplyAtEndOfStreamIsAnError() throws {
        let processor = NIOSingleStepByteToMessageProcessor(SMTPReplyDecoder())
        try processor.process(buffer: ByteBuffer(string: "250-first\r\n")) { _ in Issue.record("no reply expected") }
        #expect(throws: SMTPReplyDecodingError.self) {
            try processor.finishProcessing(seenEOF: true) { _ in }
        }
    }
}
