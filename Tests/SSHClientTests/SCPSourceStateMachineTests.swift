import Testing

@testable import SSHClient

/// The SCP source conversation and its replies, without a network.
@Suite struct SCPSourceStateMachineTests {
    private func request(name: String = "report.pdf", size: Int64 = 5, mode: Int32 = 0o600) throws -> SCPUploadRequest {
        try SCPUploadRequest(directory: "/srv/archive", name: name, size: size, mode: mode)
    }

    /// Ready, header, data, final reply: each `\0` moves the conversation on, and bytes split anywhere wait.
    @Test func walksThroughOneFile() throws {
        var machine = SCPSourceStateMachine(request: try self.request())
        var buffer: [UInt8] = []
        #expect(machine.received(&buffer) == .readMore)
        buffer = [0]
        #expect(machine.received(&buffer) == .sendHeader("C0600 5 report.pdf\n"))
        machine.headerSent()
        #expect(machine.received(&buffer) == .readMore)
        buffer = [0]
        #expect(machine.received(&buffer) == .sendData)
        machine.dataSent()
        #expect(machine.state == .awaitingFinalReply)
        buffer = [0]
        #expect(machine.received(&buffer) == .finish)
        #expect(machine.state == .finished)
        #expect(buffer.isEmpty)
    }

    /// A warning or fatal reply ends the conversation with the sink's message.
    @Test func refusalsCarryTheSinksMessage() throws {
        var machine = SCPSourceStateMachine(request: try self.request())
        var buffer: [UInt8] = [0]
        _ = machine.received(&buffer)
        machine.headerSent()
        buffer = Array("\u{1}scp: /srv/archive/report.pdf: Permission denied".utf8)
        #expect(machine.received(&buffer) == .readMore, "the message is only complete at its newline")
        buffer += Array("\n".utf8)
        #expect(machine.received(&buffer) == .fail(.warning("scp: /srv/archive/report.pdf: Permission denied")))
        #expect(machine.state == .failed)
    }

    /// Replies as scp.c's `response()` reads them; a line that is not SCP is a fatal reply with the whole line.
    @Test func parsesReplies() {
        var buffer: [UInt8] = [0, 2] + Array("scp: disk full\n".utf8) + Array("This service allows sftp connections only.\n".utf8)
        #expect(SCPReply.parse(from: &buffer) == .ok)
        #expect(SCPReply.parse(from: &buffer) == .fatal("scp: disk full"))
        #expect(SCPReply.parse(from: &buffer) == .fatal("This service allows sftp connections only."))
        #expect(buffer.isEmpty)
        #expect(SCPReply.parse(from: &buffer) == nil)
        var endless = [UInt8](repeating: UInt8(ascii: "x"), count: SCPReply.maximumLineLength + 10)
        #expect(SCPReply.parse(from: &endless) != nil, "an endless line is cut rather than waited for")
    }

    /// The header is scp.c's `C%04o %lld %s\n`; a name with spaces stays one field at the end of the line.
    @Test func formatsTheHeader() throws {
        #expect(try self.request(name: "quarterly report 2025.pdf", size: 3_145_851, mode: 0o644).header == "C0644 3145851 quarterly report 2025.pdf\n")
        #expect(try self.request(mode: 0o7).header == "C0007 5 report.pdf\n")
    }

    /// Names that would break the header or leave the directory, negative sizes and odd modes are refused.
    @Test(arguments: ["", ".", "..", "a/b", "line\nbreak", "cr\rname", "nul\0name"])
    func refusesNamesThatAreNotPlain(_ name: String) {
        #expect(throws: SCPRequestError.self) { try SCPUploadRequest(directory: "/srv", name: name, size: 1, mode: 0o600) }
    }

    @Test func refusesBadSizesModesAndDirectories() {
        #expect(throws: SCPRequestError.self) { try SCPUploadRequest(directory: "/srv", name: "a", size: -1, mode: 0o600) }
        #expect(throws: SCPRequestError.self) { try SCPUploadRequest(directory: "/srv", name: "a", size: 1, mode: 0o10000) }
        #expect(throws: SCPRequestError.self) { try SCPUploadRequest(directory: "", name: "a", size: 1, mode: 0o600) }
    }

    /// The directory reaches the remote shell single-quoted, so spaces, `$` and quotes stay literal.
    @Test func quotesTheDirectoryForTheShell() throws {
        let request = try SCPUploadRequest(directory: "/srv/it's $HOME", name: "a", size: 1, mode: 0o600)
        #expect(request.command == #"scp -t -d -- '/srv/it'\''s $HOME'"#)
    }
}
