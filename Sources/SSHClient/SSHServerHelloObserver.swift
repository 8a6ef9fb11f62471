import NIOCore

/// Reads, without changing them, the server's first bytes: its identification line and its plaintext KEXINIT
/// (RFC 4253 §4.2 and §6), so a failed negotiation can name both sides' algorithms. Removes itself once done.
final class SSHServerHelloObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Beyond this many bytes the observer gives up (a server may send lines before its version, but not many).
    private static let limit = 64 * 1024

    private let state: SSHConnectionState
    private var seen: [UInt8] = []
    private var done = false

    init(state: SSHConnectionState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.done {
            let buffer = Self.unwrapInboundIn(data)
            self.seen.append(contentsOf: buffer.readableBytesView.prefix(Self.limit - self.seen.count))
            if let hello = Self.parse(self.seen) {
                self.state.recordServerHello(version: hello.version, algorithms: hello.algorithms)
                self.done = hello.complete
            }
            if self.seen.count >= Self.limit {
                self.done = true
            }
        }
        context.fireChannelRead(data)
        if self.done {
            self.seen = []
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// The version line once it arrived, and the KEXINIT lists once they did (`complete`: nothing more to wait
    /// for; the lists stay nil when the packet does not parse).
    static func parse(_ bytes: [UInt8]) -> (version: String, algorithms: SSHAlgorithmLists?, complete: Bool)? {
        var lineStart = 0
        var version: String?
        var packetStart = 0
        while version == nil {
            guard let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            var line = bytes[lineStart..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.starts(with: Array("SSH-".utf8)) { version = String(decoding: line, as: UTF8.self) }
            lineStart = newline + 1
            packetStart = lineStart
        }
        guard let version else { return nil }
        // uint32 packet_length, byte padding_length, payload, padding.
        var reader = SSHWireReader(Array(bytes[packetStart...]))
        guard let packetLength = try? reader.readUInt32() else { return (version, nil, false) }
        guard packetLength <= 35000 else { return (version, nil, true) }
        guard reader.remaining >= Int(packetLength) else { return (version, nil, false) }
        guard let paddingLength = try? reader.readByte(), Int(paddingLength) + 1 <= Int(packetLength),
            let payload = try? reader.readBytes(Int(packetLength) - Int(paddingLength) - 1)
        else { return (version, nil, true) }
        return (version, try? SSHAlgorithmLists(kexInitPayload: payload), true)
    }
}
