import NIOCore
import Testing

@testable import LDAPClient

/// The PDU framer: split input, several PDUs per read, garbage and oversized lengths.
@Suite struct LDAPMessageFramerTests {
    private let done: [UInt8] = [0x30, 0x0C, 0x02, 0x01, 0x01, 0x65, 0x07, 0x0A, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]

    /// Feeds `chunks` one by one and returns the frames produced.
    private func frames(_ chunks: [[UInt8]], maximum: Int = 1024) throws -> [[UInt8]] {
        let processor = NIOSingleStepByteToMessageProcessor(LDAPMessageFramer(maximumMessageSize: maximum))
        var frames: [[UInt8]] = []
        for chunk in chunks {
            try processor.process(buffer: ByteBuffer(bytes: chunk)) { frames.append(Array($0.readableBytesView)) }
        }
        return frames
    }

    @Test func splitAtEveryByteStillGivesOneMessage() throws {
        #expect(try self.frames(self.done.map { [$0] }) == [self.done])
    }

    @Test func severalMessagesInOneReadAreSeparated() throws {
        let frames = try self.frames([self.done + self.done + Array(self.done.prefix(5))])
        #expect(frames == [self.done, self.done])
        #expect(try LDAPMessage(berEncoded: frames[0][...]).operation == .searchResultDone(LDAPResult(resultCode: .success)))
    }

    @Test func longFormLengthsAreFramed() throws {
        let longForm: [UInt8] = [0x30, 0x84, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01]
        #expect(try self.frames([longForm.prefix(4).map { $0 }, longForm.dropFirst(4).map { $0 }]) == [longForm])
    }

    @Test(arguments: [
        [UInt8]("HTTP/1.1 400 Bad Request\r\n".utf8),
        [0x16, 0x03, 0x01, 0x00, 0x05],  // a TLS record on a plain connection
        [0x00, 0x00],
    ])
    func garbageIsAnError(bytes: [UInt8]) {
        #expect(throws: LDAPFramingError.self) { try self.frames([bytes]) }
    }

    @Test func garbageAfterAGoodMessageIsAnError() throws {
        let processor = NIOSingleStepByteToMessageProcessor(LDAPMessageFramer())
        var count = 0
        #expect(throws: LDAPFramingError.unexpectedTag(0x47)) {
            try processor.process(buffer: ByteBuffer(bytes: self.done + Array("GET /".utf8))) { _ in count += 1 }
        }
        #expect(count == 1)
    }

    @Test func oversizedLengthsFailBeforeTheBytesArrive() {
        #expect(throws: LDAPFramingError.messageTooLarge(length: 2000, maximum: 1024)) {
            try self.frames([[0x30, 0x82, 0x07, 0xD0]])
        }
        #expect(throws: LDAPFramingError.self) { try self.frames([[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]]) }
        #expect(throws: LDAPFramingError.self) { try self.frames([[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]]) }
        #expect(throws: LDAPFramingError.self) { try self.frames([[0x30, 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]]) }
    }

    @Test func indefiniteLengthIsRefused() {
        #expect(throws: LDAPFramingError.indefiniteLength) { try self.frames([[0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]]) }
    }

    @Test func endOfStreamInsideAMessageIsReported() throws {
        var framer = LDAPMessageFramer()
        var buffer = ByteBuffer(bytes: Array(self.done.prefix(6)))
        #expect(throws: LDAPFramingError.truncated(bytes: 6)) { try framer.decodeLast(buffer: &buffer, seenEOF: true) }
        var empty = ByteBuffer()
        #expect(try framer.decodeLast(buffer: &empty, seenEOF: true) == nil)
    }
}
