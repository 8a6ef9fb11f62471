import Logging
import NIOCore
import NIOPosix
import Synchronization

@testable import SSHClient

/// A request as the scripted server received it: type, id and the bytes after the id.
struct SFTPScriptedRequest: Sendable {
    let type: UInt8
    let id: UInt32
    let payload: ByteBuffer

    /// The leading `string` fields of the payload, as text (paths, extension names).
    func strings(_ count: Int) -> [String] {
        var buffer = self.payload
        return (0..<count).compactMap { _ in buffer.readSFTPText() }
    }
}

/// What the scripted server does with a request.
enum SFTPScriptedReply: Sendable {
    /// Write these bytes back (one or more packets, or garbage).
    case send(ByteBuffer)
    /// Say nothing, like a hung server.
    case silence
    /// Close the connection.
    case close
}

/// An in-process SFTP server on loopback TCP that answers INIT with a fixed VERSION and every other request from
/// a script, recording what it received. The client under test gets the connected channel.
final class SFTPScriptedServer: Sendable {
    /// The VERSION packet's body (version and extension pairs), or raw bytes to answer INIT with.
    let versionReply: ByteBuffer
    private let script: @Sendable (SFTPScriptedRequest) -> SFTPScriptedReply
    private let log = Mutex<[SFTPScriptedRequest]>([])

    /// A server that announces `version` and `extensions` (or answers INIT with `rawVersionReply`), then answers
    /// every request by `script`.
    init(
        version: UInt32 = 3,
        extensions: [(String, String)] = [],
        rawVersionReply: ByteBuffer? = nil,
        script: @escaping @Sendable (SFTPScriptedRequest) -> SFTPScriptedReply = { _ in .silence }
    ) {
        var body = ByteBuffer()
        body.writeInteger(version)
        for (name, data) in extensions {
            body.writeSFTPString(name)
            body.writeSFTPString(data)
        }
        self.versionReply = rawVersionReply ?? Self.packet(type: 2, body: body)
        self.script = script
    }

    /// The requests received so far, in order (INIT excluded).
    var requests: [SFTPScriptedRequest] { self.log.withLock { $0 } }

    /// Runs `body` with a client connected to this server, then shuts both down.
    func withClient<Result: Sendable>(
        requestTimeout: Duration = .seconds(10),
        _ body: (SFTPClient) async throws -> Result
    ) async throws -> Result {
        let channel = try await self.connect()
        let client: SFTPClient
        do {
            client = try await SFTPClient.start(on: channel, requestTimeout: requestTimeout, logger: Logger(label: "sftp-test"))
        } catch {
            try? await channel.close()
            throw error
        }
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// Binds a listener, connects a client channel to it, and returns that channel; the listener closes once the
    /// one connection is accepted.
    func connect() async throws -> any Channel {
        let group = MultiThreadedEventLoopGroup.singleton
        let accepted = group.any().makePromise(of: Void.self)
        let listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SFTPScriptedHandler(server: self, active: accepted))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: listener.localAddress!.port!).get()
            // Closing the listener before the accepted channel is active would close that channel too.
            try await accepted.futureResult.get()
            try await listener.close()
            return channel
        } catch {
            accepted.fail(error)
            try? await listener.close()
            throw error
        }
    }

    /// Records and answers one request.
    fileprivate func answer(_ request: SFTPScriptedRequest) -> SFTPScriptedReply {
        self.log.withLock { $0.append(request) }
        return self.script(request)
    }

    // MARK: - Packets

    /// `uint32 length`, then `type` and `body`.
    static func packet(type: UInt8, body: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(1 + body.readableBytes))
        buffer.writeInteger(type)
        buffer.writeImmutableBuffer(body)
        return buffer
    }

    /// A STATUS reply.
    static func status(id: UInt32, code: UInt32, message: String = "") -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(id)
        body.writeInteger(code)
        body.writeSFTPString(message)
        body.writeSFTPString("en")
        return packet(type: 101, body: body)
    }

    /// A HANDLE reply.
    static func handle(id: UInt32, _ handle: String) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(id)
        body.writeSFTPString(handle)
        return packet(type: 102, body: body)
    }

    /// An ATTRS reply with only a size.
    static func attributes(id: UInt32, size: UInt64) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(id)
        SFTPFileAttributes(size: size).write(to: &body)
        return packet(type: 105, body: body)
    }
}

/// The scripted server's side of one connection: frames the client's packets and answers them.
private final class SFTPScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: SFTPScriptedServer
    private let active: EventLoopPromise<Void>
    private var buffered = ByteBuffer()

    /// A handler answering for `server`; completes `active` once the connection is up.
    init(server: SFTPScriptedServer, active: EventLoopPromise<Void>) {
        self.server = server
        self.active = active
    }

    func channelActive(context: ChannelHandlerContext) {
        self.active.succeed()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        self.buffered.writeBuffer(&incoming)
        while let length = self.buffered.getInteger(at: self.buffered.readerIndex, as: UInt32.self),
            self.buffered.readableBytes >= 4 + Int(length)
        {
            self.buffered.moveReaderIndex(forwardBy: 4)
            var packet = self.buffered.readSlice(length: Int(length))!
            let type = packet.readInteger(as: UInt8.self)!
            if type == 1 {
                context.writeAndFlush(self.wrapOutboundOut(self.server.versionReply), promise: nil)
                continue
            }
            let id = packet.readInteger(as: UInt32.self)!
            switch self.server.answer(SFTPScriptedRequest(type: type, id: id, payload: packet)) {
            case .send(let bytes):
                context.writeAndFlush(self.wrapOutboundOut(bytes), promise: nil)
            case .silence:
                break
            case .close:
                context.close(promise: nil)
                return
            }
        }
    }
}
