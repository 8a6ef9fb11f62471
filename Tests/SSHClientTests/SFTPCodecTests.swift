import NIOCore
import Testing

@testable import SSHClient

/// Packet framing, parsing and encoding against byte layouts written out from draft-ietf-secsh-filexfer-02.
@Suite struct SFTPCodecTests {
    /// Runs the decoder over `bytes` fed in pieces of `step` bytes; returns the packets or throws.
    private func decode(_ bytes: [UInt8], step: Int = 1) throws -> [SFTPResponse] {
        let processor = NIOSingleStepByteToMessageProcessor(SFTPPacketDecoder())
        var responses: [SFTPResponse] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + step, bytes.count)
            try processor.process(buffer: ByteBuffer(bytes: bytes[start..<end])) { responses.append($0) }
            start = end
        }
        return responses
    }

    /// VERSION with two extensions, split into single bytes, arrives as one packet.
    @Test func versionWithExtensionsIsReassembled() throws {
        var body = ByteBuffer()
        body.writeInteger(UInt32(3))
        body.writeSFTPString("posix-rename@openssh.com")
        body.writeSFTPString("1")
        body.writeSFTPString("fsync@openssh.com")
        body.writeSFTPString("1")
        let packet = SFTPScriptedServer.packet(type: 2, body: body)
        let responses = try self.decode(Array(buffer: packet), step: 1)
        guard responses.count == 1, case .version(let version, let extensions) = responses[0] else {
            Issue.record("expected one VERSION, got \(responses)")
            return
        }
        #expect(version == 3)
        #expect(extensions == ["posix-rename@openssh.com": "1", "fsync@openssh.com": "1"])
    }

    /// A STATUS with message and language tag, and one without (some v3 servers stop after the code).
    @Test func statusWithAndWithoutMessage() throws {
        let full: [UInt8] = [0, 0, 0, 20, 101, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 3, 0x42, 0x61, 0x64, 0, 0, 0, 0]
        let bare: [UInt8] = [0, 0, 0, 9, 101, 0, 0, 0, 8, 0, 0, 0, 1]
        let responses = try self.decode(full + bare, step: 5)
        guard responses.count == 2, case .status(7, .failure, "Bad") = responses[0],
            case .status(8, .endOfFile, "") = responses[1]
        else {
            Issue.record("unexpected \(responses)")
            return
        }
    }

    /// NAME with attributes: every flag's fields in the draft's order.
    @Test func nameWithAllAttributes() throws {
        var body = ByteBuffer()
        body.writeInteger(UInt32(5))  // id
        body.writeInteger(UInt32(1))  // count
        body.writeSFTPString("file.bin")
        body.writeSFTPString("-rw-r----- 1 a b 10 Dec 7 file.bin")
        let attributes = SFTPFileAttributes(
            size: 10, userID: 1000, groupID: 100, permissions: 0o100640, accessTime: 1_700_000_000,
            modificationTime: 1_700_000_001, extended: [.init(type: "x@example.com", data: [1, 2])]
        )
        attributes.write(to: &body)
        let bytes = Array(buffer: SFTPScriptedServer.packet(type: 104, body: body))
        // flags: SIZE | UIDGID | PERMISSIONS | ACMODTIME | EXTENDED
        #expect(Array(bytes[63..<67]) == [0x80, 0, 0, 0x0f])
        let responses = try self.decode(bytes, step: 7)
        guard responses.count == 1, case .name(5, let entries) = responses[0] else {
            Issue.record("unexpected \(responses)")
            return
        }
        #expect(entries == [SFTPDirectoryEntry(filename: "file.bin", longname: "-rw-r----- 1 a b 10 Dec 7 file.bin", attributes: attributes)])
        #expect(entries.first?.attributes.isRegularFile == true)
        #expect(entries.first?.attributes.isDirectory == false)
    }

    /// The length limit is checked before the body is awaited; a zero length is refused too.
    @Test(arguments: [UInt32(0), UInt32(SFTPPacketDecoder.maximumPacketLength + 1), UInt32.max])
    func badLengthsAreRefused(length: UInt32) {
        var bytes = ByteBuffer()
        bytes.writeInteger(length)
        #expect(throws: SFTPError.self) { try self.decode(Array(buffer: bytes), step: 4) }
    }

    /// The largest legitimate DATA reply (256 KiB of data) fits the limit.
    @Test func largestDataReplyFits() throws {
        var body = ByteBuffer()
        body.writeInteger(UInt32(1))
        body.writeSFTPString([UInt8](repeating: 7, count: 256 * 1024))
        let responses = try self.decode(Array(buffer: SFTPScriptedServer.packet(type: 103, body: body)), step: 65536)
        guard responses.count == 1, case .data(1, let data) = responses[0] else {
            Issue.record("unexpected \(responses)")
            return
        }
        #expect(data.readableBytes == 256 * 1024)
    }

    /// Truncated fields, leftover bytes, client-only types and oversize handles are refused.
    @Test(arguments: [
        ([0, 0, 0, 5, 101, 0, 0, 0, 1] as [UInt8], "the STATUS packet is truncated"),
        ([0, 0, 0, 11, 105, 0, 0, 0, 1, 0, 0, 0, 0, 0xAA, 0xBB], "2 bytes follow the end of the ATTRS packet"),
        ([0, 0, 0, 5, 3, 0, 0, 0, 1], "the server sent OPEN, which only a client may send"),
        ([0, 0, 0, 13, 104, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], "the NAME packet is truncated"),
    ])
    func malformedPacketsAreRefused(bytes: [UInt8], message: String) {
        let error = #expect(throws: SFTPError.self) { try self.decode(bytes) }
        #expect(error?.kind == .protocolViolation)
        #expect(error?.message == message)
    }

    /// A handle over 256 bytes is refused.
    @Test func oversizeHandleIsRefused() {
        var body = ByteBuffer()
        body.writeInteger(UInt32(1))
        body.writeSFTPString([UInt8](repeating: 1, count: 257))
        let error = #expect(throws: SFTPError.self) {
            try self.decode(Array(buffer: SFTPScriptedServer.packet(type: 102, body: body)), step: 300)
        }
        #expect(error?.message.contains("257 bytes") == true)
    }

    /// OPEN as the draft lays it out: length, type 3, id, filename, pflags, ATTRS with permissions.
    @Test func openIsEncodedAsTheDraftSays() {
        let request = SFTPRequest.open(
            path: "/a", flags: [.write, .create, .exclusive], attributes: SFTPFileAttributes(permissions: 0o640)
        )
        let packet = request.encode(id: 9, allocator: ByteBufferAllocator())
        #expect(packet.data == nil)
        #expect(Array(buffer: packet.head) == [
            0, 0, 0, 23, 3, 0, 0, 0, 9, 0, 0, 0, 2, 0x2F, 0x61, 0, 0, 0, 0x2A, 0, 0, 0, 4, 0, 0, 0x01, 0xA0,
        ])
    }

    /// WRITE's head counts the data that follows it separately (sent without copying).
    @Test func writeHeadCountsItsData() {
        let handle = SFTPFileHandle(bytes: [0x68], path: "/a")
        let data = ByteBuffer(bytes: [1, 2, 3])
        let packet = SFTPRequest.write(handle, offset: 0x1_0000_0000, data: data).encode(id: 2, allocator: ByteBufferAllocator())
        #expect(Array(buffer: packet.head) == [
            0, 0, 0, 25, 6, 0, 0, 0, 2, 0, 0, 0, 1, 0x68, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3,
        ])
        #expect(packet.data == data)
    }

    /// The OpenSSH extensions are EXTENDED requests named by their extension.
    @Test func extensionsAreExtendedRequests() {
        let packet = SFTPRequest.posixRename(from: "a", to: "b").encode(id: 1, allocator: ByteBufferAllocator())
        var head = packet.head
        #expect(head.readInteger(as: UInt32.self) == UInt32(head.readableBytes))
        #expect(head.readInteger(as: UInt8.self) == 200)
        #expect(head.readInteger(as: UInt32.self) == 1)
        #expect(head.readSFTPText() == "posix-rename@openssh.com")
        #expect(head.readSFTPText() == "a")
        #expect(head.readSFTPText() == "b")
        #expect(head.readableBytes == 0)
    }
}
