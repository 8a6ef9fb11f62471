import Logging
import NIOCore

/// An SFTP version 3 client (draft-ietf-secsh-filexfer-02) over any channel that carries the subsystem's raw
/// bytes: an SSH session channel with subsystem "sftp", or the pipes of a local `sftp-server`.
///
/// Requests may be issued from several tasks at once; each gets its own id and its reply is matched by id.
/// Every request has the same deadline; when one passes, or the server breaks the protocol, or the channel
/// closes, the session is over and every outstanding request fails at once with an ``SFTPError``. All methods
/// throw ``SFTPError`` only (``write(_:from:startingAt:maxInFlight:)`` also rethrows its sequence's errors).
public final class SFTPClient: Sendable {
    /// The extensions the server announced in VERSION, by name (`fsync@openssh.com` → `1`, …).
    public let extensions: [String: String]

    private let channel: any Channel
    private let handler: NIOLoopBound<SFTPChannelHandler>
    private let logger: Logger

    /// The largest READ length asked for, so that the DATA reply stays within the packet limit.
    static let maximumReadLength: UInt32 = 256 * 1024
    /// The largest WRITE payload: 32 KiB is what every server accepts (draft §3: "at least 32768 bytes").
    static let maximumWriteLength = 32 * 1024

    private init(channel: any Channel, handler: NIOLoopBound<SFTPChannelHandler>, extensions: [String: String], logger: Logger) {
        self.channel = channel
        self.handler = handler
        self.extensions = extensions
        self.logger = logger
    }

    /// Takes over `channel` (it must carry the subsystem's bytes as `ByteBuffer`s), sends INIT and waits for the
    /// server's VERSION. The client owns the channel from then on; ``shutdown()`` closes it.
    public static func start(on channel: any Channel, requestTimeout: Duration = .seconds(60), logger: Logger) async throws -> SFTPClient {
        let handler = try await channel.eventLoop.submit {
            let handler = SFTPChannelHandler(eventLoop: channel.eventLoop, requestTimeout: requestTimeout, logger: logger)
            try channel.pipeline.syncOperations.addHandler(handler)
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        let version = try await channel.eventLoop.flatSubmit { handler.value.start() }.get()
        logger.debug(
            "SFTP session started",
            metadata: ["sftp.version": "\(version.version)", "sftp.extensions": "\(version.extensions.keys.sorted())"]
        )
        return SFTPClient(channel: channel, handler: handler, extensions: version.extensions, logger: logger)
    }

    /// The canonical absolute form of `path` (REALPATH); "." is the server's start directory.
    public func realPath(_ path: String) async throws -> String {
        let request = SFTPRequest.realpath(path: path)
        let response = try await self.perform(request)
        guard case .name(_, let entries) = response, entries.count == 1 else {
            throw self.violation("the server answered REALPATH with \(self.count(response)) names", request)
        }
        return entries[0].filename
    }

    /// The attributes of `path`, following symbolic links (STAT); nil when the server says "no such file".
    public func attributes(at path: String) async throws -> SFTPFileAttributes? {
        try await self.attributes(.stat(path: path))
    }

    /// The attributes of `path` itself, a symbolic link not followed (LSTAT); nil for "no such file".
    public func linkAttributes(at path: String) async throws -> SFTPFileAttributes? {
        try await self.attributes(.lstat(path: path))
    }

    /// The attributes of an open file (FSTAT).
    public func attributes(of handle: SFTPFileHandle) async throws -> SFTPFileAttributes {
        let request = SFTPRequest.fstat(handle)
        guard case .attributes(_, let attributes) = try await self.perform(request) else {
            throw self.violation("the server answered FSTAT without attributes", request)
        }
        return attributes
    }

    /// Creates directory `path` with `permissions` (subject to the server's umask).
    public func makeDirectory(_ path: String, permissions: UInt32 = 0o750) async throws {
        try await self.performExpectingOK(.mkdir(path: path, attributes: SFTPFileAttributes(permissions: permissions)))
    }

    /// Removes file `path` (REMOVE).
    public func removeFile(_ path: String) async throws {
        try await self.performExpectingOK(.remove(path: path))
    }

    /// Removes the empty directory `path` (RMDIR).
    public func removeDirectory(_ path: String) async throws {
        try await self.performExpectingOK(.rmdir(path: path))
    }

    /// Renames `from` to `to`.
    ///
    /// With `replacing`, an existing `to` is replaced: atomically with `posix-rename@openssh.com` when the server
    /// offers it; otherwise by removing `to` first and then renaming, which is **not atomic** (between the two
    /// steps `to` does not exist, and a failed rename leaves it removed). Without `replacing`, plain RENAME,
    /// which fails when `to` exists.
    public func rename(_ from: String, to: String, replacing: Bool) async throws {
        if replacing {
            if self.extensions[SFTPRequest.ExtensionName.posixRename] != nil {
                try await self.performExpectingOK(.posixRename(from: from, to: to))
                return
            }
            do {
                try await self.performExpectingOK(.remove(path: to))
            } catch let error as SFTPError where error.status == .noSuchFile {
                // Nothing to replace.
            }
        }
        try await self.performExpectingOK(.rename(from: from, to: to))
    }

    /// The entries of directory `path` (OPENDIR, READDIR until EOF, CLOSE), without "." and "..".
    public func listDirectory(_ path: String) async throws -> [SFTPDirectoryEntry] {
        let openRequest = SFTPRequest.opendir(path: path)
        guard case .handle(_, let bytes) = try await self.perform(openRequest) else {
            throw self.violation("the server answered OPENDIR without a handle", openRequest)
        }
        let handle = SFTPFileHandle(bytes: bytes, path: path)
        var entries: [SFTPDirectoryEntry] = []
        do {
            while true {
                let request = SFTPRequest.readdir(handle)
                let response = try await self.perform(request, accepting: .endOfFile)
                guard case .name(_, let batch) = response else { break }
                entries += batch.filter { $0.filename != "." && $0.filename != ".." }
            }
        } catch {
            try? await self.close(handle)
            throw error
        }
        try await self.close(handle)
        return entries
    }

    /// Opens (and with `.create`, creates with `permissions`) the file `path`.
    public func openFile(_ path: String, flags: SFTPOpenFlags, permissions: UInt32 = 0o640) async throws -> SFTPFileHandle {
        let request = SFTPRequest.open(path: path, flags: flags, attributes: SFTPFileAttributes(permissions: permissions))
        guard case .handle(_, let bytes) = try await self.perform(request) else {
            throw self.violation("the server answered OPEN without a handle", request)
        }
        return SFTPFileHandle(bytes: bytes, path: path)
    }

    /// Reads up to `length` bytes (at most 256 KiB) at `offset`; nil at end of file. The server may return fewer
    /// bytes than asked for.
    public func read(_ handle: SFTPFileHandle, at offset: UInt64, length: UInt32) async throws -> ByteBuffer? {
        let asked = min(length, Self.maximumReadLength)
        let request = SFTPRequest.read(handle, offset: offset, length: asked)
        let response = try await self.perform(request, accepting: .endOfFile)
        guard case .data(_, let data) = response else { return nil }
        guard data.readableBytes <= Int(asked) else {
            throw self.violation("the server returned \(data.readableBytes) bytes for a READ of \(asked)", request)
        }
        return data
    }

    /// Flushes the file to stable storage on the server (`fsync@openssh.com`); false, doing nothing, when the
    /// server does not offer the extension.
    public func synchronize(_ handle: SFTPFileHandle) async throws -> Bool {
        guard self.extensions[SFTPRequest.ExtensionName.fsync] != nil else { return false }
        try await self.performExpectingOK(.fsync(handle))
        return true
    }

    /// Closes an open file or directory; for a written file, a failure here may mean the data was not stored.
    public func close(_ handle: SFTPFileHandle) async throws {
        try await self.performExpectingOK(.close(handle))
    }

    /// Ends the session: outstanding requests fail as closed, and the channel is closed.
    public func shutdown() async {
        let handler = self.handler
        self.channel.eventLoop.execute { handler.value.shutdown() }
        try? await self.channel.closeFuture.get()
    }

    // MARK: - Requests

    /// Sends `request` and waits for its reply (under the deadline); the reply type was already checked.
    func submit(_ request: SFTPRequest) -> EventLoopFuture<SFTPResponse> {
        let handler = self.handler
        return self.channel.eventLoop.flatSubmit { handler.value.send(request) }
    }

    /// Sends `request`; a STATUS reply other than OK (and `accepting`) is thrown as an ``SFTPError``.
    @discardableResult
    func perform(_ request: SFTPRequest, accepting accepted: SFTPStatusCode? = nil) async throws -> SFTPResponse {
        let response = try await self.submit(request).get()
        try Self.check(response, of: request, accepting: accepted)
        return response
    }

    /// Sends a request whose only success is STATUS OK.
    private func performExpectingOK(_ request: SFTPRequest) async throws {
        let response = try await self.perform(request)
        guard case .status = response else {
            throw self.violation("the server answered \(request.kind) with \(response.type)", request)
        }
    }

    /// STAT or LSTAT, with "no such file" as nil.
    private func attributes(_ request: SFTPRequest) async throws -> SFTPFileAttributes? {
        let response = try await self.perform(request, accepting: .noSuchFile)
        guard case .attributes(_, let attributes) = response else { return nil }
        return attributes
    }

    /// Throws the server's error status; OK and `accepted` pass.
    static func check(_ response: SFTPResponse, of request: SFTPRequest, accepting accepted: SFTPStatusCode? = nil) throws {
        guard case .status(_, let code, let message) = response, code != .ok, code != accepted else { return }
        throw SFTPError.status(code, serverMessage: message, request: request.kind, path: request.path)
    }

    /// Ends the session because the server's reply made no sense, and returns the error to throw.
    private func violation(_ message: String, _ request: SFTPRequest) -> SFTPError {
        self.logger.debug("SFTP reply made no sense", metadata: ["sftp.request": "\(request.kind)"])
        let handler = self.handler
        self.channel.eventLoop.execute { handler.value.shutdown() }
        return .protocolViolation(message, request: request.kind, path: request.path)
    }

    /// The number of names in a NAME reply, for an error message.
    private func count(_ response: SFTPResponse) -> Int {
        if case .name(_, let entries) = response { return entries.count }
        return 0
    }
}
