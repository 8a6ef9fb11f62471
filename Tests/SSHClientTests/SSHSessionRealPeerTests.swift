import Foundation
import NIOCore
import Testing

@testable import SSHClient

/// Commands and subsystems on session channels of a real OpenSSH server.
@Suite(.enabled(if: SSHPeerEnvironment.shouldRun, SSHPeerEnvironment.missingMessage)) // Never skipped where CI=true.
struct SSHSessionRealPeerTests {
    /// Exit status, standard output and standard error come back apart, and a failing command is a result.
    @Test func executeReportsStatusAndBothStreams() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        let result = try await connection.execute("echo out; echo err >&2; exit 3")
        #expect(result.exitStatus == 3)
        #expect(!result.succeeded)
        #expect(result.standardOutputText == "out\n")
        #expect(result.standardErrorText == "err\n")
        // Standard input is closed at once, so a command that reads it ends instead of waiting.
        let reader = try await connection.execute("cat; echo read-all")
        #expect(reader.exitStatus == 0)
        #expect(reader.standardOutputText == "read-all\n")
        // A command that closes its output long before it exits still reports its status: the end of output is
        // not the end of the channel.
        let quiet = try await connection.execute("exec >&- 2>&-; sleep 1; exit 7")
        #expect(quiet.exitStatus == 7)
        // Several commands share one connection, one channel each.
        async let first = connection.execute("printf one")
        async let second = connection.execute("printf two")
        #expect(try await [first.standardOutputText, second.standardOutputText] == ["one", "two"])
        await connection.close()
    }

    /// Output beyond 64 KiB is read and dropped, and said so; a command killed by a signal has no exit status.
    @Test func executeBoundsOutputAndReportsSignals() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        let long = try await connection.execute("head -c 200000 /dev/zero; echo done >&2")
        #expect(long.exitStatus == 0)
        #expect(long.standardOutput.count == SSHExecResult.outputLimit)
        #expect(long.standardOutputTruncated)
        #expect(long.standardErrorText == "done\n")
        let killed = try await connection.execute("kill -KILL $$")
        #expect(killed.exitStatus == nil)
        #expect(killed.exitSignal == "KILL")
        await connection.close()
    }

    /// The `sftp` subsystem answers the SFTP INIT packet, written by hand, with a VERSION packet: the byte
    /// stream the SFTP client rides on. It works for the chrooted SFTP-only user too.
    @Test func sftpSubsystemCarriesRawBytes() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        for (user, key) in [(peer.keyUser, peer.keyFile), (peer.sftpUser, peer.keyFile)] {
            let connection = try await SSHConnection.connect(try peer.configuration(username: user, authentication: .privateKey(try peer.key(key))), logger: sshTestLogger())
            let channel = try await connection.openSubsystem("sftp")
            let received = try await ByteCollector.install(on: channel, wanted: 9)
            // uint32 length 5, byte SSH_FXP_INIT (1), uint32 version 3 (draft-ietf-secsh-filexfer-02 §4).
            try await channel.writeAndFlush(ByteBuffer(bytes: [0, 0, 0, 5, 1, 0, 0, 0, 3]))
            let reply = try await received.get()
            let start = reply.readerIndex
            let length = try #require(reply.getInteger(at: start, as: UInt32.self))
            #expect(length >= 5 && Int(length) <= reply.readableBytes - 4, "user \(user)")
            #expect(reply.getInteger(at: start + 4, as: UInt8.self) == 2, "SSH_FXP_VERSION for user \(user)")
            #expect(reply.getInteger(at: start + 5, as: UInt32.self) == 3, "version 3 for user \(user)")
            try await channel.close()
            await connection.close()
        }
    }

    /// A subsystem the server does not have is refused by name.
    @Test func unknownSubsystemIsRefused() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        let error = await #expect(throws: SSHError.self) { try await connection.openSubsystem("no-such-subsystem") }
        #expect(error?.kind == .channel)
        #expect(error?.message.contains("\"no-such-subsystem\"") == true)
        #expect(try await connection.execute("true").exitStatus == 0, "the connection survives a refused channel")
        await connection.close()
    }

    /// Cancelling the caller's task ends a running command at once, as a cancellation that closed the connection.
    @Test func cancellationEndsARunningCommand() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        let started = ContinuousClock.now
        let task = Task { try await connection.execute("sleep 30") }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let error = await #expect(throws: SSHError.self) { try await task.value }
        #expect(error?.kind == .cancelled)
        #expect(ContinuousClock.now - started < .seconds(10))
        let after = await #expect(throws: SSHError.self) { try await connection.execute("true") }
        #expect(after?.kind == .closed)
    }

    /// After close, requests fail as a closed connection instead of hanging.
    @Test func requestsAfterCloseFail() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        await connection.close()
        let error = await #expect(throws: SSHError.self) { try await connection.execute("true") }
        #expect(error?.kind == .closed)
    }
}

/// Collects inbound bytes until `wanted` arrived, then completes its promise; the channel closing first fails it.
final class ByteCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<ByteBuffer>
    private let wanted: Int
    private var buffer = ByteBuffer()

    private init(promise: EventLoopPromise<ByteBuffer>, wanted: Int) {
        self.promise = promise
        self.wanted = wanted
    }

    /// Adds a collector at the end of `channel`'s pipeline; the future completes with the bytes.
    static func install(on channel: any Channel, wanted: Int) async throws -> EventLoopFuture<ByteBuffer> {
        try await channel.eventLoop.submit {
            let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
            try channel.pipeline.syncOperations.addHandler(ByteCollector(promise: promise, wanted: wanted))
            return promise.futureResult
        }.get()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&bytes)
        if self.buffer.readableBytes >= self.wanted { self.promise.succeed(self.buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.eof)
    }
}
