import NIOCore

/// Folds a command channel's ``SSHSessionOutput`` into state the façade reads: standard output not yet
/// consumed, standard error and how the command ended. Each stream keeps at most `limit` bytes.
struct SSHSessionReader {
    private var iterator: NIOAsyncChannelInboundStream<SSHSessionOutput>.AsyncIterator
    private let limit: Int

    /// Standard output received and not yet taken by the caller.
    var standardOutput: [UInt8] = []
    /// Standard error received (the first `limit` bytes).
    private(set) var standardError: [UInt8] = []
    private(set) var standardOutputTruncated = false
    private(set) var standardErrorTruncated = false
    private(set) var exitStatus: Int?
    private(set) var exitSignal: String?
    /// Whether the channel closed (no more elements).
    private(set) var isClosed = false

    init(_ inbound: NIOAsyncChannelInboundStream<SSHSessionOutput>, limit: Int = SSHExecResult.outputLimit) {
        self.iterator = inbound.makeAsyncIterator()
        self.limit = limit
    }

    /// Waits for the next element; returns false once the channel closed.
    mutating func readMore() async throws -> Bool {
        guard !self.isClosed, let output = try await self.iterator.next() else {
            self.isClosed = true
            return false
        }
        switch output {
        case .standardOutput(let bytes):
            Self.append(bytes, to: &self.standardOutput, truncated: &self.standardOutputTruncated, limit: self.limit)
        case .standardError(let bytes):
            Self.append(bytes, to: &self.standardError, truncated: &self.standardErrorTruncated, limit: self.limit)
        case .exitStatus(let status):
            self.exitStatus = status
        case .exitSignal(let name, _):
            self.exitSignal = name
        case .endOfOutput:
            break
        }
        return true
    }

    /// Reads until the channel closes.
    mutating func readToEnd() async throws {
        while try await self.readMore() {}
    }

    /// What the command left, as a result.
    var result: SSHExecResult {
        SSHExecResult(
            exitStatus: self.exitStatus, exitSignal: self.exitSignal, standardOutput: self.standardOutput,
            standardError: self.standardError, standardOutputTruncated: self.standardOutputTruncated,
            standardErrorTruncated: self.standardErrorTruncated
        )
    }

    private static func append(_ bytes: ByteBuffer, to stream: inout [UInt8], truncated: inout Bool, limit: Int) {
        let room = limit - stream.count
        if bytes.readableBytes > room { truncated = true }
        stream.append(contentsOf: bytes.readableBytesView.prefix(max(room, 0)))
    }
}
