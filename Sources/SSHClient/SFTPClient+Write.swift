import NIOCore

extension SFTPClient {
    /// Writes the whole sequence at increasing offsets with up to `maxInFlight` WRITE requests outstanding
    /// (chunks of at most 32 KiB, the size every server accepts); memory bounded by maxInFlight × chunk (plus the
    /// buffers the sequence yields, which outstanding chunks slice).
    ///
    /// Small buffers are gathered into full chunks and large ones are cut without copying. Returns the number of
    /// bytes written. On failure it waits for the writes already sent to settle before throwing, so no WRITE of
    /// this call is still outstanding when the caller closes or removes the file.
    public func write(
        _ handle: SFTPFileHandle,
        from body: some AsyncSequence<ByteBuffer, any Error> & Sendable,
        startingAt offset: UInt64 = 0,
        maxInFlight: Int = 16
    ) async throws -> UInt64 {
        var pipeline = SFTPWritePipeline(client: self, handle: handle, offset: offset, maxInFlight: max(1, maxInFlight))
        do {
            var gathered: ByteBuffer?
            for try await var buffer in body {
                try Task.checkCancellation()
                if var partial = gathered {
                    gathered = nil  // one reference only, so appending does not copy
                    let take = min(buffer.readableBytes, Self.maximumWriteLength - partial.readableBytes)
                    partial.writeImmutableBuffer(buffer.readSlice(length: take)!)
                    guard partial.readableBytes == Self.maximumWriteLength else {
                        gathered = partial
                        continue
                    }
                    try await pipeline.submit(partial)
                }
                while buffer.readableBytes >= Self.maximumWriteLength {
                    try await pipeline.submit(buffer.readSlice(length: Self.maximumWriteLength)!)
                }
                if buffer.readableBytes > 0 {
                    var partial = ByteBuffer()
                    partial.reserveCapacity(Self.maximumWriteLength)
                    partial.writeBuffer(&buffer)
                    gathered = partial
                }
            }
            if let partial = gathered { try await pipeline.submit(partial) }
            try await pipeline.finish()
        } catch {
            await pipeline.settle()
            throw error
        }
        return pipeline.offset - offset
    }
}

/// The WRITE requests of one ``SFTPClient/write(_:from:startingAt:maxInFlight:)`` call: at most `maxInFlight`
/// outstanding, completed in the order they were sent.
struct SFTPWritePipeline {
    let client: SFTPClient
    let handle: SFTPFileHandle
    /// Where the next chunk goes.
    private(set) var offset: UInt64
    let maxInFlight: Int
    /// Outstanding writes, oldest first; `head` is the oldest one not yet awaited.
    private var inFlight: [(request: SFTPRequest, reply: EventLoopFuture<SFTPResponse>)] = []
    private var head = 0

    /// Creates an empty pipeline.
    init(client: SFTPClient, handle: SFTPFileHandle, offset: UInt64, maxInFlight: Int) {
        self.client = client
        self.handle = handle
        self.offset = offset
        self.maxInFlight = maxInFlight
        self.inFlight.reserveCapacity(maxInFlight)
    }

    /// Sends `chunk` at the current offset, first waiting for the oldest write when the window is full.
    mutating func submit(_ chunk: ByteBuffer) async throws {
        if self.inFlight.count - self.head >= self.maxInFlight {
            try await self.awaitOldest()
        }
        let request = SFTPRequest.write(self.handle, offset: self.offset, data: chunk)
        self.inFlight.append((request, self.client.submit(request)))
        self.offset += UInt64(chunk.readableBytes)
    }

    /// Waits for every outstanding write; throws the first failure.
    mutating func finish() async throws {
        while self.head < self.inFlight.count { try await self.awaitOldest() }
    }

    /// Waits for every outstanding write, ignoring their outcome (after a failure has already been decided).
    mutating func settle() async {
        while self.head < self.inFlight.count {
            _ = try? await self.awaitOldest()
        }
    }

    /// Waits for the oldest outstanding write and checks its status.
    private mutating func awaitOldest() async throws {
        let (request, reply) = self.inFlight[self.head]
        self.head += 1
        if self.head == self.inFlight.count || self.head >= self.maxInFlight {
            self.inFlight.removeFirst(self.head)
            self.head = 0
        }
        try SFTPClient.check(try await reply.get(), of: request)
    }
}
