import Crypto
import Foundation
import Logging
import NIOCore
import Synchronization
import Testing

@testable import SSHClient

/// The client against OpenSSH's real `sftp-server` (a child process, its stdin/stdout as the channel).
@Suite(.enabled(if: SFTPPeerEnvironment.shouldRun, SFTPPeerEnvironment.missingMessage))
struct SFTPClientRealPeerTests {
    /// Runs `body` with a fresh server in a temporary directory and a client on it; cleans up afterwards.
    private func withServer(
        requestTimeout: Duration = .seconds(60),
        _ body: (SFTPServerProcess, SFTPClient) async throws -> Void
    ) async throws {
        guard SFTPPeerEnvironment.require() else { return }
        let server = try await SFTPServerProcess.start()
        do {
            let client = try await SFTPClient.start(on: server.channel, requestTimeout: requestTimeout, logger: Logger(label: "sftp-test"))
            do {
                try await body(server, client)
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// 64 MiB through 16 pipelined WRITEs arrive byte for byte (compared, and SHA-256 on disk), with the size and
    /// permissions asked for; READ returns the same bytes and nil at the end.
    @Test func pipelinedWriteOf64MiBLandsIntact() async throws {
        try await self.withServer { server, client in
            let total = 64 << 20
            let path = server.path("big.bin")
            let handle = try await client.openFile(path, flags: [.read, .write, .create, .truncate], permissions: 0o640)
            // Sizes around and across the 32 KiB chunk: gathered, cut, and passed through.
            let payload = SFTPTestPayload(total: total, chunkSizes: [65536, 1000, 200_000, 32768, 7])
            let written = try await client.write(handle, from: payload, maxInFlight: 16)
            #expect(written == UInt64(total))
            #expect(try await client.synchronize(handle))

            let head = try #require(try await client.read(handle, at: 0, length: 4096))
            #expect(head == SFTPTestPayload.pattern.getSlice(at: 0, length: 4096))
            let middle = try #require(try await client.read(handle, at: 40_000_000, length: 70000))
            #expect(middle == SFTPTestPayload.pattern.getSlice(at: 40_000_000 % SFTPTestPayload.period, length: 70000))
            #expect(try await client.read(handle, at: UInt64(total), length: 10) == nil)
            #expect(try await client.attributes(of: handle).size == UInt64(total))
            try await client.close(handle)

            #expect(try SFTPTestPayload.fileMatches(path, total: total))
            #expect(try SFTPTestPayload.sha256(ofFile: path) == SFTPTestPayload.sha256(total: total))
            let attributes = try #require(try await client.attributes(at: path))
            #expect(attributes.size == UInt64(total))
            #expect(attributes.isRegularFile)
            #expect(attributes.permissions.map { $0 & 0o777 } == 0o640)
        }
    }

    /// One request in flight and sixteen give the same file, also when written in two calls (`startingAt`).
    @Test(arguments: [1, 16])
    func writeIsCorrectWithAnyWindow(maxInFlight: Int) async throws {
        try await self.withServer { server, client in
            let first = 3 * 1024 * 1024 + 5
            let second = 1_500_001
            let path = server.path("window-\(maxInFlight).bin")
            let handle = try await client.openFile(path, flags: [.write, .create, .exclusive])
            let sizes = [1, 4095, 70000, 32768, 100, 32767]
            let part1 = try await client.write(
                handle, from: SFTPTestPayload(total: first, chunkSizes: sizes), maxInFlight: maxInFlight
            )
            let part2 = try await client.write(
                handle, from: SFTPTestPayload(total: second, chunkSizes: sizes.reversed(), patternOffset: first),
                startingAt: UInt64(first), maxInFlight: maxInFlight
            )
            try await client.close(handle)
            #expect(part1 == UInt64(first))
            #expect(part2 == UInt64(second))
            #expect(try SFTPTestPayload.fileMatches(path, total: first + second))
        }
    }

    /// OPEN with EXCL on an existing file fails with the server's status and message, naming the path.
    @Test func exclusiveOpenOfExistingFileFails() async throws {
        try await self.withServer { server, client in
            let path = server.path("exists.txt")
            _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
            let error = await #expect(throws: SFTPError.self) {
                _ = try await client.openFile(path, flags: [.write, .create, .exclusive])
            }
            #expect(error?.kind == .status)
            #expect(error?.status == .failure)
            #expect(error?.request == "OPEN")
            #expect(error?.path == path)
            let message = try #require(error?.serverMessage)
            #expect(!message.isEmpty)
            #expect(error?.description.contains(message) == true)
            // The session is still usable after an error status.
            #expect(try await client.attributes(at: path)?.size == 1)
        }
    }

    /// mkdir, stat, list, rename over an existing file, remove, rmdir and realpath, checked on disk as well.
    @Test func directoryAndRenameOperations() async throws {
        try await self.withServer { server, client in
            let directory = server.path("archive")
            try await client.makeDirectory(directory, permissions: 0o750)
            let directoryAttributes = try #require(try await client.attributes(at: directory))
            #expect(directoryAttributes.isDirectory)
            #expect(directoryAttributes.permissions.map { $0 & 0o777 } == 0o750)

            let fresh = directory + "/transfer.part"
            let target = directory + "/transfer.bin"
            _ = FileManager.default.createFile(atPath: target, contents: Data("old".utf8))
            let handle = try await client.openFile(fresh, flags: [.write, .create, .exclusive])
            _ = try await client.write(handle, from: SFTPTestPayload(total: 100_000, chunkSizes: [100_000]))
            try await client.close(handle)

            let names = try await client.listDirectory(directory).map(\.filename).sorted()
            #expect(names == ["transfer.bin", "transfer.part"])

            let refused = await #expect(throws: SFTPError.self) { try await client.rename(fresh, to: target, replacing: false) }
            #expect(refused?.kind == .status)
            #expect(client.extensions["posix-rename@openssh.com"] != nil)
            try await client.rename(fresh, to: target, replacing: true)
            #expect(try SFTPTestPayload.fileMatches(target, total: 100_000))
            #expect(try await client.attributes(at: fresh) == nil)
            #expect(try await client.listDirectory(directory).map(\.filename) == ["transfer.bin"])

            #expect(try await client.realPath(directory + "/../archive/.") == directory)
            #expect(try await client.realPath(".") == server.directory.path)

            try await client.removeFile(target)
            #expect(!FileManager.default.fileExists(atPath: target))
            try await client.removeDirectory(directory)
            #expect(try await client.attributes(at: directory) == nil)
        }
    }

    /// A missing path: nil attributes; removing it is a "no such file" status.
    @Test func missingFileHasNoAttributes() async throws {
        try await self.withServer { server, client in
            let path = server.path("nothing-here")
            let attributes = try await client.attributes(at: path)
            let linkAttributes = try await client.linkAttributes(at: path)
            #expect(attributes == nil)
            #expect(linkAttributes == nil)
            let error = await #expect(throws: SFTPError.self) { try await client.removeFile(path) }
            #expect(error?.status == .noSuchFile)
        }
    }

    /// OpenSSH offers fsync@openssh.com; `synchronize` sends it (a closed handle makes the server refuse it).
    @Test func fsyncIsOfferedAndUsed() async throws {
        try await self.withServer { server, client in
            #expect(client.extensions["fsync@openssh.com"] != nil)
            let handle = try await client.openFile(server.path("f"), flags: [.write, .create])
            _ = try await client.write(handle, from: SFTPTestPayload(total: 10, chunkSizes: [10]))
            #expect(try await client.synchronize(handle))
            try await client.close(handle)
            let error = await #expect(throws: SFTPError.self) { _ = try await client.synchronize(handle) }
            #expect(error?.kind == .status)
            #expect(error?.request == "fsync@openssh.com")
        }
    }

    /// The server dying in the middle of a write fails the write quickly instead of hanging, and the session
    /// stays closed.
    @Test func serverKilledMidWriteFailsQuickly() async throws {
        try await self.withServer(requestTimeout: .seconds(60)) { server, client in
            let handle = try await client.openFile(server.path("doomed.bin"), flags: [.write, .create])
            let killedAt = SFTPKillSwitch()
            let payload = SFTPTestPayload(total: 1 << 30, chunkSizes: [65536]) { produced in
                if produced >= 8 << 20, killedAt.fire() { server.crash() }
            }
            let error = await #expect(throws: SFTPError.self) { _ = try await client.write(handle, from: payload) }
            let elapsed = try #require(killedAt.elapsed)
            print("sftp-server killed mid-write: the write failed \(elapsed) later")
            #expect(error?.kind == .closed)
            #expect(elapsed < .seconds(5), "the write took \(elapsed) to fail after the kill")
            let later = await #expect(throws: SFTPError.self) { try await client.realPath(".") }
            #expect(later?.kind == .closed)
        }
    }

    /// Throughput of a 256 MiB write through pipes to sftp-server, against `cat` of the same file; runs when
    /// `SFTP_BENCHMARK=1` (debug build: the figures are for comparison, not for the release build).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SFTP_BENCHMARK"] == "1"))
    func benchmark256MiB() async throws {
        try await self.withServer { server, client in
            let total = 256 << 20
            let path = server.path("bench.bin")
            let clock = ContinuousClock()
            var results: [String] = []
            for window in [1, 16, 64] {
                let handle = try await client.openFile(path, flags: [.write, .create, .truncate])
                let started = clock.now
                let written = try await client.write(
                    handle, from: SFTPTestPayload(total: total, chunkSizes: [1_000_000]), maxInFlight: window
                )
                try await client.close(handle)
                let seconds = Self.seconds(clock.now - started)
                #expect(written == UInt64(total))
                results.append("sftp maxInFlight \(window): \(Self.rate(total, seconds))")
            }
            #expect(try SFTPTestPayload.sha256(ofFile: path) == SFTPTestPayload.sha256(total: total))
            for command in ["cat '\(path)' > '\(path).copy'", "cat '\(path)' | cat > '\(path).copy'"] {
                let started = clock.now
                let (pid, input, output) = try SFTPServerProcess.spawn("/bin/sh", arguments: ["-c", command])
                close(input)
                close(output)
                let status = await SFTPServerProcess.waitForExit(pid, timeout: .seconds(120))
                #expect(status == 0)
                results.append("\(command.replacingOccurrences(of: server.directory.path + "/", with: "")): \(Self.rate(total, Self.seconds(clock.now - started)))")
            }
            print("SFTP benchmark (256 MiB, debug build):\n  " + results.joined(separator: "\n  "))
        }
    }

    /// A duration in seconds.
    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// "1.23 s, 456 MiB/s".
    private static func rate(_ bytes: Int, _ seconds: Double) -> String {
        String(format: "%.2f s, %.0f MiB/s", seconds, Double(bytes) / 1_048_576 / seconds)
    }
}

/// Fires once, remembering when, so a test can measure how long a failure took to surface.
final class SFTPKillSwitch: Sendable {
    private let firedAt = Mutex<ContinuousClock.Instant?>(nil)

    /// True the first time only.
    func fire() -> Bool {
        self.firedAt.withLock { firedAt in
            guard firedAt == nil else { return false }
            firedAt = .now
            return true
        }
    }

    /// Time since firing, or nil if it never fired.
    var elapsed: Duration? { self.firedAt.withLock { $0 }.map { ContinuousClock.now - $0 } }
}
