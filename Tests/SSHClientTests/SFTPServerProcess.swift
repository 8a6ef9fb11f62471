import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where OpenSSH's `sftp-server` is, and whether the real-peer suites run.
///
/// Locally a missing binary skips the suites; where `CI=true` they run anyway and every test fails with
/// ``missingMessage``, so CI cannot silently lose coverage.
enum SFTPPeerEnvironment {
    /// `SFTP_SERVER_PATH`, or Debian's location.
    static let serverPath = ProcessInfo.processInfo.environment["SFTP_SERVER_PATH"] ?? "/usr/lib/openssh/sftp-server"
    /// Whether the binary is there.
    static let isAvailable = FileManager.default.isExecutableFile(atPath: serverPath)
    /// Whether CI asked for real peers to be mandatory.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    /// Whether the real-peer suites should run (binary present, or CI where its absence must fail).
    static let shouldRun = isAvailable || isCI

    static let missingMessage: Comment =
        "OpenSSH's sftp-server is missing: install openssh-sftp-server or set SFTP_SERVER_PATH"

    /// True when the server can be started; otherwise records a failure (CI) and returns false.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if isAvailable { return true }
        Issue.record(missingMessage, sourceLocation: sourceLocation)
        return false
    }
}

/// A child process whose stdin and stdout are a NIO pipe channel (the way an SSH subsystem's bytes would arrive).
///
/// Spawned with `posix_spawn` and close-on-exec pipes rather than Foundation `Process`, so that no other child
/// started at the same time by a parallel test inherits our pipe ends (which would hide the EOF when the child dies).
final class SFTPServerProcess: @unchecked Sendable {
    /// The child's process id.
    let pid: pid_t
    /// Our end: reads the child's stdout, writes its stdin.
    let channel: any Channel
    /// A fresh temporary directory, the server's start directory; removed by ``stop()``.
    let directory: URL

    private init(pid: pid_t, channel: any Channel, directory: URL) {
        self.pid = pid
        self.channel = channel
        self.directory = directory
    }

    /// Starts `sftp-server -d <new temporary directory>` with its stdin/stdout on a pipe channel.
    static func start() async throws -> SFTPServerProcess {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("sftp-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (pid, input, output) = try spawn(
            SFTPPeerEnvironment.serverPath, arguments: ["-d", directory.path, "-l", "ERROR"]
        )
        do {
            let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptors(input: input, output: output).get()
            return SFTPServerProcess(pid: pid, channel: channel, directory: directory)
        } catch {
            close(input)
            close(output)
            kill(pid, SIGKILL)
            _ = await waitForExit(pid, timeout: .seconds(5))
            throw error
        }
    }

    /// The absolute path of `name` inside the server's directory.
    func path(_ name: String) -> String { self.directory.appendingPathComponent(name).path }

    /// Kills the server at once (SIGKILL), as a crash would.
    func crash() { _ = kill(self.pid, SIGKILL) }

    /// Closes our ends, waits for the child (killing it after 5 s) and removes the directory.
    func stop() async {
        try? await self.channel.close()
        if await Self.waitForExit(self.pid, timeout: .seconds(5)) == nil {
            self.crash()
            _ = await Self.waitForExit(self.pid, timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(at: self.directory)
    }

    /// Spawns `path` with `arguments`; returns the pid and our ends of its stdout (input) and stdin (output).
    static func spawn(_ path: String, arguments: [String]) throws -> (pid: pid_t, input: CInt, output: CInt) {
        // Pipes are made close-on-exec and the child spawned under one lock, so that a child spawned by a parallel
        // test in between cannot inherit them (Swift's Glibc module has no pipe2).
        try spawnLock.withLock { _ in try spawnLocked(path, arguments: arguments) }
    }

    /// ``spawn(_:arguments:)`` under the lock.
    private static func spawnLocked(_ path: String, arguments: [String]) throws -> (pid: pid_t, input: CInt, output: CInt) {
        var toChild: [CInt] = [-1, -1]
        var fromChild: [CInt] = [-1, -1]
        guard pipe(&toChild) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0])
            close(toChild[1])
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        for descriptor in toChild + fromChild { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the target, so only 0, 1 and 2 reach the child.
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw POSIXError(.init(rawValue: rc) ?? .EIO)
        }
        return (pid, fromChild[0], toChild[1])
    }

    /// Serialises ``spawn(_:arguments:)``.
    private static let spawnLock = Mutex<Void>(())

    /// Polls for the child's exit; its wait status, or nil if it is still running after `timeout`.
    static func waitForExit(_ pid: pid_t, timeout: Duration) async -> CInt? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            var status: CInt = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || result == -1 { return status }
            if clock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
