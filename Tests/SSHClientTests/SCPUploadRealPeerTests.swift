import Foundation
import NIOCore
import Testing

@testable import SSHClient

/// SCP uploads into a real OpenSSH server, checked byte for byte on its disk.
@Suite(.enabled(if: SSHPeerEnvironment.shouldRun, SSHPeerEnvironment.missingMessage)) // Never skipped where CI=true.
struct SCPUploadRealPeerTests {
    /// A few MiB arrive intact with the requested mode, also under a name with spaces and as the password user.
    @Test func uploadsArriveByteForByte() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let cases: [(user: String, authentication: SSHAuthentication, name: String, size: Int, mode: Int32)] = [
            (peer.keyUser, .privateKey(try peer.key(peer.keyFile)), "scp-\(UUID().uuidString).bin", 3 * 1024 * 1024 + 4321, 0o600),
            (peer.keyUser, .privateKey(try peer.key(peer.keyFile)), "quarterly report \(UUID().uuidString).pdf", 100_000, 0o640),
            (peer.passwordUser, .password(peer.password), "empty-\(UUID().uuidString)", 0, 0o600),
        ]
        for upload in cases {
            let connection = try await SSHConnection.connect(try peer.configuration(username: upload.user, authentication: upload.authentication), logger: sshTestLogger())
            let body = PatternBody(total: upload.size, chunkSize: 50_000)
            let started = ContinuousClock.now
            try await connection.scpUpload(toDirectory: peer.archiveDirectory, name: upload.name, size: Int64(upload.size), mode: upload.mode, body: body)
            let elapsed = ContinuousClock.now - started
            await connection.close()
            let path = peer.archiveDirectory + "/" + upload.name
            let written = try #require(FileManager.default.contents(atPath: path), "\(upload.name) exists")
            #expect(written.count == upload.size, "\(upload.name)")
            let expected = body.bytes
            let firstDifference = zip(written, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset
            #expect(firstDifference == nil, "\(upload.name) matches byte for byte")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == Int(upload.mode), "\(upload.name) mode")
            #expect(attributes[.ownerAccountName] as? String == upload.user)
            if upload.size > 1_000_000 {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print("scp upload: \(upload.size) bytes in \(elapsed) (\(Int(Double(upload.size) / seconds / 1_048_576)) MiB/s)")
            }
            if firstDifference == nil { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// The data step's limit is on stalls: an upload that takes three times the limit but keeps moving completes.
    @Test func slowButSteadyUploadIsNotCutShort() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        // A 10 s limit, not 1 s: in a full parallel test run, tests that compute on the cooperative threads (bcrypt,
        // age, SHA-256 of large files) delayed this body's next chunk by several seconds. 44 chunks 0.7 s apart take
        // three times the limit.
        let connection = try await SSHConnection.connect(try peer.configuration(requestTimeout: .seconds(10)), logger: sshTestLogger())
        let name = "slow-\(UUID().uuidString)"
        let body = SlowBody(base: PatternBody(total: 44 * 16 * 1024, chunkSize: 16 * 1024), pause: .milliseconds(700))
        let started = ContinuousClock.now
        try await connection.scpUpload(toDirectory: peer.archiveDirectory, name: name, size: Int64(body.base.total), body: body)
        #expect(ContinuousClock.now - started > .seconds(30))
        let written = try #require(FileManager.default.contents(atPath: peer.archiveDirectory + "/" + name))
        #expect(Array(written) == body.base.bytes)
        try? FileManager.default.removeItem(atPath: peer.archiveDirectory + "/" + name)
        await connection.close()
    }

    /// The SFTP-only account cannot run scp: the server's own message comes back.
    @Test func sftpOnlyAccountRefusesSCPWithTheServersMessage() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(username: peer.sftpUser, authentication: .password(peer.sftpPassword)), logger: sshTestLogger())
        let error = await #expect(throws: SSHError.self) {
            try await connection.scpUpload(toDirectory: "/archive", name: "x.bin", size: 3, body: PatternBody(total: 3))
        }
        #expect(error?.kind == .remote(exitStatus: 1, message: "This service allows sftp connections only."))
        await connection.close()
    }

    /// A missing target directory is the sink's error, with its message and exit status.
    @Test func missingDirectoryIsTheSinksError() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        let missing = peer.archiveDirectory + "/no-such-dir-\(UUID().uuidString)"
        let error = await #expect(throws: SSHError.self) {
            try await connection.scpUpload(toDirectory: missing, name: "x.bin", size: 3, body: PatternBody(total: 3))
        }
        guard case .remote(let status, let message) = error?.kind else {
            Issue.record("expected a remote failure, got \(String(describing: error))")
            return
        }
        #expect(status == 1)
        #expect(message.contains("No such file or directory"))
        #expect(message.contains(missing))
        await connection.close()
    }

    /// A body that is shorter or longer than announced is refused, and the connection stays usable.
    @Test func bodyOfTheWrongLengthIsRefused() async throws {
        guard let peer = SSHPeerEnvironment.require() else { return }
        let connection = try await SSHConnection.connect(try peer.configuration(), logger: sshTestLogger())
        for (announced, actual) in [(Int64(10), 5), (Int64(5), 10)] {
            let name = "short-\(UUID().uuidString)"
            let error = await #expect(throws: SSHError.self) {
                try await connection.scpUpload(toDirectory: peer.archiveDirectory, name: name, size: announced, body: PatternBody(total: actual, chunkSize: 5))
            }
            #expect(error?.kind == .invalidRequest)
            #expect(error?.step == .scpData)
            try? FileManager.default.removeItem(atPath: peer.archiveDirectory + "/" + name)
        }
        let invalidName = await #expect(throws: SSHError.self) {
            try await connection.scpUpload(toDirectory: peer.archiveDirectory, name: "../escape", size: 1, body: PatternBody(total: 1))
        }
        #expect(invalidName?.kind == .invalidRequest)
        #expect(try await connection.execute("true").exitStatus == 0)
        await connection.close()
    }
}

/// Hands out `base` with a pause before each chunk.
struct SlowBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: PatternBody
    let pause: Duration

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: PatternBody.AsyncIterator
        let pause: Duration

        mutating func next() async throws -> ByteBuffer? {
            try await Task.sleep(for: self.pause)
            return try await self.base.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: self.base.makeAsyncIterator(), pause: self.pause) }
}
