import Foundation
import Logging
import SealdropCore

/// A kind of archive target (local directory, SFTP, SCP): opens connections described by the archive settings.
public protocol ArchiveTarget: Sendable {
    /// Connects (and authenticates) to the target of `settings`; errors name the step and the target's answer.
    func connect(_ settings: ArchiveSettings, logger: Logger) async throws -> any ArchiveConnection
}

/// One connection to an archive target. Paths are absolute on the target and made of safe names only.
public protocol ArchiveConnection: Sendable {
    /// Creates a directory and its missing parents; an existing one is fine.
    func makeDirectory(_ path: String) async throws
    /// Whether a file exists.
    func exists(_ path: String) async throws -> Bool
    /// Writes a file of `size` bytes from `body`, replacing any file of that name, durable when it returns.
    func write(_ path: String, size: Int64, body: ArchiveBody) async throws
    /// Renames a file, replacing any file of the new name.
    func rename(_ from: String, to: String) async throws
    /// Removes a file; a missing one is fine.
    func remove(_ path: String) async throws
    /// Ends the connection.
    func close() async
}

/// The bytes of one archive entry, pulled chunk by chunk (at most 1 MiB each) from the spool, so a connection
/// reads only as fast as its target takes them.
public struct ArchiveBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let next: @Sendable () throws -> [UInt8]?

    /// A body whose chunks come from `next` (nil at the end); `next` is called from one task at a time.
    public init(next: @escaping @Sendable () throws -> [UInt8]?) {
        self.next = next
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let next: @Sendable () throws -> [UInt8]?

        public mutating func next() async throws -> [UInt8]? {
            try Task.checkCancellation()
            return try next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(next: next) }

    /// A body of fixed bytes.
    public static func bytes(_ bytes: [UInt8]) -> ArchiveBody {
        let box = OnceBox(bytes)
        return ArchiveBody { box.take() }
    }
}

/// Hands out its value once.
final class OnceBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [UInt8]?

    init(_ value: [UInt8]) { self.value = value }

    func take() -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        defer { value = nil }
        return value
    }
}

/// One step of an archive connection check (`connect`, `hostKey`, `authenticate`, `directory`), in the target's words.
public struct ArchiveCheckStep: Codable, Sendable, Equatable {
    public var step: String
    public var ok: Bool
    public var detail: String

    public init(step: String, ok: Bool, detail: String) {
        self.step = step
        self.ok = ok
        self.detail = detail
    }
}

/// The outcome of "check connection": each step, and the SSH server's host key when one was seen.
public struct ArchiveCheck: Codable, Sendable, Equatable {
    public var steps: [ArchiveCheckStep]
    /// `SHA256:…` as `ssh-keygen -lf` prints it, and the key type.
    public var hostKeyFingerprint: String?
    public var hostKeyType: String?

    public init(steps: [ArchiveCheckStep], hostKeyFingerprint: String? = nil, hostKeyType: String? = nil) {
        self.steps = steps
        self.hostKeyFingerprint = hostKeyFingerprint
        self.hostKeyType = hostKeyType
    }

    public var ok: Bool { !steps.isEmpty && steps.allSatisfy(\.ok) }
}

/// Checking a target without writing, for the admin's "check connection".
public protocol ArchiveTargetCheck: Sendable {
    /// Connects (accepting any host key when none is pinned yet, and reporting it), authenticates and looks at the
    /// target directory; writes nothing.
    func check(_ settings: ArchiveSettings, logger: Logger) async -> ArchiveCheck
}

/// SSH client keys for the archive: generated here, their public line shown for `authorized_keys`.
public protocol ArchiveKeys: Sendable {
    /// A new Ed25519 key: its OpenSSH private key text (to store, sealed) and its public line.
    func generate(comment: String) -> (privateKey: String, publicLine: String)
    /// The public line of a stored private key; nil when it cannot be read.
    func publicLine(privateKey: String, passphrase: String, comment: String) -> String?
}
