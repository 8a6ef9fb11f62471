import Foundation
import NIOCore
import Synchronization
import Testing

@testable import SSHClient

/// A server that dies or freezes in the middle of a transfer gives an error, never a hang. Uses the fault server
/// of `scripts/peers/sshd.sh` (its own sshd, so other suites running beside these are not disturbed), one test
/// at a time.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: SSHPeerEnvironment.shouldRun, SSHPeerEnvironment.missingMessage)) // Never skipped where CI=true.
struct SSHFaultRealPeerTests {
    /// The body of a long upload that runs `fault` once `after` bytes were handed out.
    private func body(after: Int, fault: @escaping @Sendable () throws -> Void) -> FaultInjectingBody {
        FaultInjectingBody(base: PatternBody(total: 1 << 30, chunkSize: 64 * 1024), after: after, fault: fault)
    }

    /// sshd stopped (listener and per-connection processes killed) mid-SCP: a closed-connection error at once.
    @Test func serverStoppedMidUploadFails() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        defer { try? peer.controlFaultServer("start") }
        let connection = try await SSHConnection.connect(try peer.configuration(port: peer.faultPort, requestTimeout: .seconds(30)), logger: sshTestLogger())
        let name = "fault-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: peer.archiveDirectory + "/" + name) }
        let started = ContinuousClock.now
        let error = await #expect(throws: SSHError.self) {
            try await connection.scpUpload(toDirectory: peer.archiveDirectory, name: name, size: 1 << 30, body: self.body(after: 4 << 20) {
                try peer.controlFaultServer("stop")
            })
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.kind == .closed, "got \(String(describing: error))")
        #expect(error?.step == .scpData)
        #expect(elapsed < .seconds(20), "failed after \(elapsed), well before the 30 s stall limit")
        await connection.close()
        // Restarted, the server takes new connections again.
        try peer.controlFaultServer("start")
        let again = try await SSHConnection.connect(try peer.configuration(port: peer.faultPort), logger: sshTestLogger())
        #expect(try await again.execute("true").exitStatus == 0)
        await again.close()
    }

    /// A server that stops answering mid-SCP (frozen with SIGSTOP) ends in a stall timeout after the request limit.
    @Test func frozenServerMidUploadTimesOut() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        defer { try? peer.controlFaultServer("resume") }
        let connection = try await SSHConnection.connect(try peer.configuration(port: peer.faultPort, requestTimeout: .seconds(5)), logger: sshTestLogger())
        let name = "frozen-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: peer.archiveDirectory + "/" + name) }
        let started = ContinuousClock.now
        let error = await #expect(throws: SSHError.self) {
            try await connection.scpUpload(toDirectory: peer.archiveDirectory, name: name, size: 1 << 30, body: self.body(after: 4 << 20) {
                try peer.controlFaultServer("pause")
            })
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.kind == .timeout(.scpData), "got \(String(describing: error))")
        #expect(elapsed < .seconds(20), "gave up after \(elapsed)")
        try peer.controlFaultServer("resume")
        await connection.close()
    }

    /// A frozen server also cuts a command short at its limit, and a stopped one refuses new connections.
    @Test func frozenCommandTimesOutAndStoppedServerRefuses() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        defer { try? peer.controlFaultServer("start") }
        let connection = try await SSHConnection.connect(try peer.configuration(port: peer.faultPort, requestTimeout: .seconds(5)), logger: sshTestLogger())
        try peer.controlFaultServer("pause")
        let error = await #expect(throws: SSHError.self) { try await connection.execute("true") }
        #expect(error?.kind == .timeout(.exec))
        try peer.controlFaultServer("resume")
        await connection.close()
        try peer.controlFaultServer("stop")
        let refused = await #expect(throws: SSHError.self) {
            try await SSHConnection.connect(try peer.configuration(port: peer.faultPort), logger: sshTestLogger())
        }
        #expect(refused?.kind == .connect)
    }
}

/// Hands out `base` and runs `fault` once, after `after` bytes, on the way.
struct FaultInjectingBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: PatternBody
    let after: Int
    let fault: @Sendable () throws -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: PatternBody.AsyncIterator
        let after: Int
        let fault: @Sendable () throws -> Void
        var handedOut = 0
        var injected = false

        mutating func next() async throws -> ByteBuffer? {
            if !self.injected, self.handedOut >= self.after {
                self.injected = true
                try self.fault()
            }
            guard let chunk = try await self.base.next() else { return nil }
            self.handedOut += chunk.readableBytes
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.base.makeAsyncIterator(), after: self.after, fault: self.fault)
    }
}
