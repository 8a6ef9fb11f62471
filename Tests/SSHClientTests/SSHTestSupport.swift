import Foundation
import Logging
import NIOCore
import Synchronization

/// A logger for the SSH tests: SSH_TEST_TRACE=1 shows the client's trace on stderr when a test misbehaves.
func sshTestLogger() -> Logger {
    guard ProcessInfo.processInfo.environment["SSH_TEST_TRACE"] != nil else { return Logger(label: "sealdrop.ssh.tests") }
    var logger = Logger(label: "sealdrop.ssh.tests", factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = .trace
    return logger
}

/// Records every message logged through it (at trace level), for tests that check what the client did.
final class RecordingLogHandler: LogHandler, Sendable {
    private let recorded = Mutex<[String]>([])

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        self.recorded.withLock { $0.append(event.message.description) }
    }

    /// The messages so far.
    var messages: [String] { self.recorded.withLock { $0 } }

    /// A logger writing here.
    var logger: Logger { Logger(label: "sealdrop.ssh.tests.recording", factory: { _ in self }) }
}

/// Deterministic bytes (a counter mixed with the offset) in chunks of `chunkSize`, `total` bytes in all: a file
/// body the tests can regenerate to compare what arrived, byte for byte.
struct PatternBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let total: Int
    let chunkSize: Int
    let seed: UInt8

    init(total: Int, chunkSize: Int = 64 * 1024, seed: UInt8 = 7) {
        self.total = total
        self.chunkSize = chunkSize
        self.seed = seed
    }

    /// The whole body at once.
    var bytes: [UInt8] { Self.slice(from: 0, to: self.total, seed: self.seed) }

    /// The pattern repeats every 65,521 bytes (a prime, so it never lines up with chunk or packet sizes).
    private static let period = 65_521
    private static let table: [UInt8] = (0..<(2 * period)).map { offset in
        let phase = offset % period
        return UInt8(truncatingIfNeeded: phase &* 31 &+ (phase >> 8))
    }

    /// The bytes at `start..<end`, shifted by `seed`.
    static func slice(from start: Int, to end: Int, seed: UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(end - start)
        var offset = start
        while offset < end {
            let phase = (offset + Int(seed)) % Self.period
            let count = Swift.min(end - offset, Self.period)
            bytes.append(contentsOf: Self.table[phase..<(phase + count)])
            offset += count
        }
        return bytes
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: PatternBody
        var offset = 0

        mutating func next() async throws -> ByteBuffer? {
            guard self.offset < self.body.total else { return nil }
            let end = Swift.min(self.offset + self.body.chunkSize, self.body.total)
            let chunk = ByteBuffer(bytes: PatternBody.slice(from: self.offset, to: end, seed: self.body.seed))
            self.offset = end
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}

/// Runs `ssh-keygen` with `arguments` and returns its standard output (throws when it fails).
func runSSHKeygen(_ arguments: [String], input: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Pipe()
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw SSHKeygenFailed(arguments: arguments, status: process.terminationStatus) }
    return String(decoding: data, as: UTF8.self)
}

/// `ssh-keygen` exited with a failure.
struct SSHKeygenFailed: Error {
    let arguments: [String]
    let status: Int32
}
