import Logging
import NIOCore
import Synchronization
import Testing

@testable import SSHClient

/// The client against an in-process scripted server: the misbehaviours a real server does not produce on demand.
@Suite(.timeLimit(.minutes(1))) struct SFTPClientScriptedTests {
    /// A reply to an id that was never sent fails the request as a protocol violation and ends the session.
    @Test func replyWithUnknownIDIsAProtocolViolation() async throws {
        let server = SFTPScriptedServer { request in .send(SFTPScriptedServer.attributes(id: request.id + 100, size: 1)) }
        try await server.withClient { client in
            let error = await #expect(throws: SFTPError.self) { try await client.attributes(at: "/a") }
            #expect(error?.kind == .protocolViolation)
            #expect(error?.message.contains("not outstanding") == true)
            let later = await #expect(throws: SFTPError.self) { try await client.attributes(at: "/b") }
            #expect(later?.kind == .closed)
            #expect(server.requests.count == 1)
        }
    }

    /// A reply of a type the request does not allow (HANDLE for STAT) is a protocol violation.
    @Test func replyOfWrongTypeIsAProtocolViolation() async throws {
        let server = SFTPScriptedServer { request in .send(SFTPScriptedServer.handle(id: request.id, "h")) }
        try await server.withClient { client in
            let error = await #expect(throws: SFTPError.self) { try await client.attributes(at: "/a") }
            #expect(error?.kind == .protocolViolation)
            #expect(error?.message == "the server answered STAT with HANDLE")
            #expect(error?.path == "/a")
        }
    }

    /// A length beyond 256 KiB + header fails at once, without waiting for (or buffering) the announced body.
    @Test func oversizeLengthIsAProtocolViolation() async throws {
        let server = SFTPScriptedServer { request in
            var bytes = ByteBuffer()
            bytes.writeInteger(UInt32(SFTPPacketDecoder.maximumPacketLength + 1))
            bytes.writeInteger(UInt8(105))
            bytes.writeInteger(request.id)
            return .send(bytes)
        }
        try await server.withClient(requestTimeout: .seconds(30)) { client in
            let started = ContinuousClock.now
            let error = await #expect(throws: SFTPError.self) { try await client.attributes(at: "/a") }
            #expect(error?.kind == .protocolViolation)
            #expect(error?.message.contains("a packet of 263169 bytes") == true)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    /// A packet of a type no server may send is a protocol violation.
    @Test func unknownPacketTypeIsAProtocolViolation() async throws {
        let server = SFTPScriptedServer { request in
            var body = ByteBuffer()
            body.writeInteger(request.id)
            return .send(SFTPScriptedServer.packet(type: 77, body: body))
        }
        try await server.withClient { client in
            let error = await #expect(throws: SFTPError.self) { try await client.realPath(".") }
            #expect(error?.kind == .protocolViolation)
            #expect(error?.message == "the server sent a packet of unknown type 77")
        }
    }

    /// A server that never answers: the request fails with a timeout after the deadline, and the session is over.
    @Test func silentServerTimesOut() async throws {
        let server = SFTPScriptedServer { _ in .silence }
        try await server.withClient(requestTimeout: .milliseconds(300)) { client in
            let started = ContinuousClock.now
            let error = await #expect(throws: SFTPError.self) { try await client.realPath(".") }
            let elapsed = ContinuousClock.now - started
            #expect(error?.kind == .timeout)
            #expect(error?.request == "REALPATH")
            #expect(elapsed >= .milliseconds(300))
            #expect(elapsed < .seconds(5))
            let later = await #expect(throws: SFTPError.self) { try await client.realPath(".") }
            #expect(later?.kind == .closed)
        }
    }

    /// A server that never sends VERSION: `start` fails with a timeout.
    @Test func silentHandshakeTimesOut() async throws {
        let server = SFTPScriptedServer(rawVersionReply: ByteBuffer())
        let channel = try await server.connect()
        let error = await #expect(throws: SFTPError.self) {
            _ = try await SFTPClient.start(on: channel, requestTimeout: .milliseconds(300), logger: Logger(label: "sftp-test"))
        }
        #expect(error?.kind == .timeout)
        #expect(error?.request == "INIT")
        try await channel.closeFuture.get()
    }

    /// A server speaking another version is refused at the handshake.
    @Test func otherVersionIsRefused() async throws {
        let server = SFTPScriptedServer(version: 6)
        let channel = try await server.connect()
        let error = await #expect(throws: SFTPError.self) {
            _ = try await SFTPClient.start(on: channel, logger: Logger(label: "sftp-test"))
        }
        #expect(error?.kind == .protocolViolation)
        #expect(error?.message.contains("version 6") == true)
    }

    /// The connection closing fails every outstanding request at once.
    @Test func closedChannelFailsEveryPendingRequest() async throws {
        let server = SFTPScriptedServer { request in
            // The third request closes the connection; the first two are never answered.
            request.strings(1).first == "/c" ? .close : .silence
        }
        try await server.withClient(requestTimeout: .seconds(60)) { client in
            let started = ContinuousClock.now
            let kinds = await withTaskGroup(of: SFTPError.Kind?.self) { group in
                for (index, path) in ["/a", "/b", "/c"].enumerated() {
                    group.addTask {
                        // Keep the order of arrival: the closing request goes last.
                        try? await Task.sleep(for: .milliseconds(50 * index))
                        do {
                            _ = try await client.attributes(at: path)
                            return nil
                        } catch let error as SFTPError {
                            return error.kind
                        } catch {
                            return nil
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(kinds == [.closed, .closed, .closed])
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    /// An error status carries the code, the server's message and the path.
    @Test func errorStatusCarriesTheServerMessage() async throws {
        let server = SFTPScriptedServer { request in
            .send(SFTPScriptedServer.status(id: request.id, code: 3, message: "not for you"))
        }
        try await server.withClient { client in
            let error = await #expect(throws: SFTPError.self) { try await client.makeDirectory("/archive/x") }
            #expect(error?.kind == .status)
            #expect(error?.status == .permissionDenied)
            #expect(error?.serverMessage == "not for you")
            #expect(error?.description == "SFTP status in MKDIR for \"/archive/x\": the server refused the request; status 3 (permission denied), server said \"not for you\"")
        }
    }

    /// Without posix-rename, a replacing rename removes the target first, then renames (not atomic).
    @Test func replacingRenameWithoutPosixRenameRemovesThenRenames() async throws {
        let server = SFTPScriptedServer { request in .send(SFTPScriptedServer.status(id: request.id, code: 0)) }
        try await server.withClient { client in
            #expect(client.extensions.isEmpty)
            try await client.rename("/in/new", to: "/in/old", replacing: true)
        }
        let requests = server.requests
        #expect(requests.map(\.type) == [13, 18])
        #expect(requests.first?.strings(1) == ["/in/old"])
        #expect(requests.last?.strings(2) == ["/in/new", "/in/old"])
    }

    /// Without posix-rename, a missing target is not an error for a replacing rename.
    @Test func replacingRenameWithoutTargetStillRenames() async throws {
        let server = SFTPScriptedServer { request in
            .send(SFTPScriptedServer.status(id: request.id, code: request.type == 13 ? 2 : 0, message: "No such file"))
        }
        try await server.withClient { client in
            try await client.rename("/in/new", to: "/in/old", replacing: true)
        }
        #expect(server.requests.map(\.type) == [13, 18])
    }

    /// With posix-rename offered, a replacing rename is the one extended request.
    @Test func replacingRenameUsesPosixRenameWhenOffered() async throws {
        let server = SFTPScriptedServer(extensions: [("posix-rename@openssh.com", "1")]) { request in
            .send(SFTPScriptedServer.status(id: request.id, code: 0))
        }
        try await server.withClient { client in
            try await client.rename("/in/new", to: "/in/old", replacing: true)
            try await client.rename("/in/a", to: "/in/b", replacing: false)
        }
        let requests = server.requests
        #expect(requests.map(\.type) == [200, 18])
        #expect(requests.first?.strings(3) == ["posix-rename@openssh.com", "/in/new", "/in/old"])
    }

    /// Without fsync@openssh.com, `synchronize` says so and sends nothing.
    @Test func synchronizeWithoutExtensionSendsNothing() async throws {
        let server = SFTPScriptedServer { request in .send(SFTPScriptedServer.handle(id: request.id, "h1")) }
        try await server.withClient { client in
            let handle = try await client.openFile("/f", flags: [.write, .create])
            #expect(try await client.synchronize(handle) == false)
        }
        #expect(server.requests.map(\.type) == [3])
    }

    /// WRITEs really are pipelined: this server answers only once four are outstanding (a client sending one at a
    /// time would time out), and never sees more than `maxInFlight`. Small buffers are gathered into 32 KiB
    /// chunks at consecutive offsets.
    @Test func writesArePipelinedUpToTheWindow() async throws {
        struct Window { var unanswered: [UInt32] = []; var most = 0; var writes: [(offset: UInt64, length: Int)] = [] }
        let window = Mutex(Window())
        let server = SFTPScriptedServer { request in
            switch request.type {
            case 3:
                return .send(SFTPScriptedServer.handle(id: request.id, "h"))
            case 6:
                var payload = request.payload
                _ = payload.readSFTPString()
                let offset = payload.readInteger(as: UInt64.self)!
                let length = payload.readSFTPString()!.readableBytes
                let batch = window.withLock { state -> [UInt32] in
                    state.writes.append((offset, length))
                    state.unanswered.append(request.id)
                    state.most = max(state.most, state.unanswered.count)
                    // The last write of the stream (a short one) is answered alone.
                    guard state.unanswered.count == 4 || length < 32768 else { return [] }
                    defer { state.unanswered.removeAll() }
                    return state.unanswered
                }
                var replies = ByteBuffer()
                for id in batch { replies.writeImmutableBuffer(SFTPScriptedServer.status(id: id, code: 0)) }
                return batch.isEmpty ? .silence : .send(replies)
            default:
                return .send(SFTPScriptedServer.status(id: request.id, code: 0))
            }
        }
        let total = 8 * 32768 + 100
        try await server.withClient(requestTimeout: .seconds(5)) { client in
            let handle = try await client.openFile("/f", flags: [.write, .create])
            let written = try await client.write(
                handle, from: SFTPTestPayload(total: total, chunkSizes: [1000, 5000, 30000]), maxInFlight: 4
            )
            #expect(written == UInt64(total))
        }
        let state = window.withLock { $0 }
        #expect(state.most == 4)
        #expect(state.writes.map(\.offset) == (0...8).map { UInt64($0 * 32768) })
        #expect(state.writes.map(\.length) == Array(repeating: 32768, count: 8) + [100])
    }
}
