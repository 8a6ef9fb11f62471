import Foundation
import Logging
import NIOCore
import SSHClient
import SealdropCore
import SealdropServices

/// The SFTP and SCP connectors: an SSH connection with the pinned host key, then SFTP requests, or SCP uploads
/// plus `mkdir`/`mv`/`rm` commands (SCP has no rename: the SCP account needs a shell that runs them).
struct SSHArchiveTarget: ArchiveTarget, ArchiveTargetCheck {
    let connector: ArchiveSettings.Connector

    func connect(_ settings: ArchiveSettings, logger: Logger) async throws -> any ArchiveConnection {
        guard let target = settings.target, target.connector == connector else { throw ArchiveError("archive.url is not an \(connector.rawValue):// URL") }
        guard let fingerprint = SSHFingerprint(parsing: settings.hostKeyFingerprint) else {
            throw ArchiveError("no host key accepted yet: check the connection and accept the server's fingerprint")
        }
        let ssh = try await Self.open(settings, target: target, hostKey: .pinned(fingerprint), logger: logger)
        if connector == .scp { return SCPArchiveConnection(ssh: ssh) }
        do {
            let channel = try await ssh.openSubsystem("sftp")
            let sftp = try await SFTPClient.start(on: channel, requestTimeout: .seconds(settings.timeoutSeconds), logger: logger)
            return SFTPArchiveConnection(ssh: ssh, sftp: sftp)
        } catch {
            await ssh.close()
            throw ArchiveError("sftp: \(error)")
        }
    }

    func check(_ settings: ArchiveSettings, logger: Logger) async -> ArchiveCheck {
        guard let target = settings.target, target.connector == connector else {
            return ArchiveCheck(steps: [ArchiveCheckStep(step: "url", ok: false, detail: "archive.url is not an \(connector.rawValue):// URL")])
        }
        let pinned = SSHFingerprint(parsing: settings.hostKeyFingerprint)
        var steps: [ArchiveCheckStep] = []
        let ssh: SSHConnection
        do {
            ssh = try await Self.open(settings, target: target, hostKey: pinned.map { .pinned($0) } ?? .reportOnly, logger: logger)
        } catch {
            let text = "\(error)"
            if let mismatch = error as? SSHError, case .hostKeyMismatch(_, let presented) = mismatch.kind {
                steps.append(ArchiveCheckStep(step: "hostKey", ok: false, detail: text))
                return ArchiveCheck(steps: steps, hostKeyFingerprint: presented.description)
            }
            steps.append(ArchiveCheckStep(step: "connect", ok: false, detail: text))
            return ArchiveCheck(steps: steps)
        }
        let key = ssh.hostKey
        steps.append(ArchiveCheckStep(step: "connect", ok: true, detail: "\(target.host):\(target.port) answered"))
        steps.append(ArchiveCheckStep(step: "hostKey", ok: pinned != nil,
                                      detail: pinned != nil ? "\(key.fingerprint) matches the accepted key"
                                          : "\(key.keyType) \(key.fingerprint): not accepted yet; compare it with ssh-keygen -lf on the server, then accept it"))
        steps.append(ArchiveCheckStep(step: "authenticate", ok: true, detail: "signed in as \(target.user)"))
        if pinned != nil {
            do {
                let quoted = SCPArchiveConnection.quote(target.path)
                let isDirectory: Bool
                if connector == .scp {
                    isDirectory = try await ssh.execute("test -d \(quoted) && test -w \(quoted)").succeeded
                } else {
                    let sftp = try await SFTPClient.start(on: try await ssh.openSubsystem("sftp"), requestTimeout: .seconds(settings.timeoutSeconds), logger: logger)
                    isDirectory = try await sftp.attributes(at: target.path)?.isDirectory ?? false
                }
                steps.append(ArchiveCheckStep(step: "directory", ok: isDirectory,
                                              detail: isDirectory ? "\(target.path) exists" : "\(target.path) does not exist or is not a writable directory"))
            } catch {
                steps.append(ArchiveCheckStep(step: "directory", ok: false, detail: "\(error)"))
            }
        }
        await ssh.close()
        return ArchiveCheck(steps: steps, hostKeyFingerprint: key.fingerprint.description, hostKeyType: key.keyType)
    }

    /// Connects and authenticates with the settings' credentials (a key when one is stored, else the password).
    static func open(_ settings: ArchiveSettings, target: ArchiveTargetURL, hostKey: SSHHostKeyPolicy, logger: Logger) async throws -> SSHConnection {
        let authentication: SSHAuthentication
        if !settings.privateKey.isEmpty {
            do {
                authentication = .privateKey(try SSHPrivateKey(openSSH: settings.privateKey,
                                                                passphrase: settings.privateKeyPassphrase.isEmpty ? nil : settings.privateKeyPassphrase))
            } catch {
                throw ArchiveError("the stored private key cannot be used: \(error)")
            }
        } else if !settings.password.isEmpty {
            authentication = .password(settings.password)
        } else {
            throw ArchiveError("neither a password nor a private key is stored for \(target.user)")
        }
        let limit = Duration.seconds(settings.timeoutSeconds)
        let configuration = SSHClientConfiguration(host: target.host, port: target.port, username: target.user, authentication: authentication,
                                                   hostKey: hostKey, connectTimeout: limit, authenticationTimeout: limit, requestTimeout: limit)
        return try await SSHConnection.connect(configuration, logger: logger)
    }
}

/// An archive body as the NIO byte buffers the SSH client sends.
struct ByteBufferBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: ArchiveBody

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: ArchiveBody.AsyncIterator

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await inner.next() else { return nil }
            return ByteBuffer(bytes: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: body.makeAsyncIterator()) }
}

/// Archive operations over SFTP; a file is synced (`fsync@openssh.com`, where offered) before it is closed.
struct SFTPArchiveConnection: ArchiveConnection {
    let ssh: SSHConnection
    let sftp: SFTPClient

    func makeDirectory(_ path: String) async throws {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if try await sftp.attributes(at: prefix) != nil { continue }
            do {
                try await sftp.makeDirectory(prefix)
            } catch {
                // Made by someone else in between is fine.
                if try await sftp.attributes(at: prefix) == nil { throw ArchiveError("cannot create \(prefix): \(error)") }
            }
        }
    }

    func exists(_ path: String) async throws -> Bool { try await sftp.attributes(at: path) != nil }

    func write(_ path: String, size: Int64, body: ArchiveBody) async throws {
        let handle: SFTPFileHandle
        do {
            handle = try await sftp.openFile(path, flags: [.write, .create, .truncate], permissions: 0o640)
        } catch {
            throw ArchiveError("cannot create \(path): \(error)")
        }
        do {
            let written = try await sftp.write(handle, from: ByteBufferBody(body: body), maxInFlight: 64)
            guard written == UInt64(size) else { throw ArchiveError("wrote \(written) of \(size) bytes to \(path)") }
            _ = try await sftp.synchronize(handle)
            try await sftp.close(handle)
        } catch {
            try? await sftp.close(handle)
            throw error as? ArchiveError ?? ArchiveError("cannot write \(path): \(error)")
        }
    }

    func rename(_ from: String, to: String) async throws {
        do {
            try await sftp.rename(from, to: to, replacing: true)
        } catch {
            throw ArchiveError("cannot rename \(from) to \(to): \(error)")
        }
    }

    func remove(_ path: String) async throws {
        guard try await sftp.attributes(at: path) != nil else { return }
        try await sftp.removeFile(path)
    }

    /// The connection first: a frozen server would keep the SFTP channel's own close waiting.
    func close() async {
        await ssh.close()
        await sftp.shutdown()
    }
}

/// Archive operations over SCP (`scp -t`) plus shell commands for directories, renames and removals.
struct SCPArchiveConnection: ArchiveConnection {
    let ssh: SSHConnection

    /// `text` in single quotes for a POSIX shell.
    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func run(_ command: String, _ what: String) async throws {
        let result = try await ssh.execute(command)
        guard result.succeeded else {
            throw ArchiveError("\(what): \(result.standardErrorText.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)) (exit \(result.exitStatus.map(String.init) ?? "?"))")
        }
    }

    func makeDirectory(_ path: String) async throws { try await run("mkdir -p -- \(Self.quote(path))", "cannot create \(path)") }

    func exists(_ path: String) async throws -> Bool { try await ssh.execute("test -e \(Self.quote(path))").succeeded }

    func write(_ path: String, size: Int64, body: ArchiveBody) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        do {
            try await ssh.scpUpload(toDirectory: directory, name: name, size: size, mode: 0o640, body: ByteBufferBody(body: body))
        } catch {
            throw ArchiveError("scp \(path): \(error)")
        }
    }

    func rename(_ from: String, to: String) async throws { try await run("mv -f -- \(Self.quote(from)) \(Self.quote(to))", "cannot rename \(from)") }

    func remove(_ path: String) async throws { try await run("rm -f -- \(Self.quote(path))", "cannot remove \(path)") }

    func close() async { await ssh.close() }
}
