@preconcurrency import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `open(2)`, named apart from `ServerKey.open(_:context:)` so the instance method does not shadow it.
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    open(path, flags, mode)
}

/// Why the server key could not be loaded or a value sealed with it could not be opened.
public enum ServerKeyError: Error, Sendable, Equatable {
    /// The key file exists but is not exactly 32 bytes.
    case wrongSize(path: String, size: Int64)
    /// The key file is readable or writable by group or others (mode shown in octal).
    case insecurePermissions(path: String, mode: String)
    /// The key path exists but is not a regular file.
    case notRegularFile(path: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// A sealed value failed authentication: wrong key, wrong context, or tampered.
    case authenticationFailed
}

/// The server's own 256-bit key, kept in a mode-0600 file in the data dir; seals secrets in settings and queued
/// mail bodies (AES-256-GCM, `context` as authenticated data). It never seals a transfer key: whoever copies the
/// data dir has this key too.
public struct ServerKey: Sendable {
    /// Size of the key file in bytes.
    public static let byteCount = 32
    private static let transferKeyDomain = Array("sealdrop/server/tk/v1\u{0}".utf8)
    private static let secretDomain = Array("sealdrop/server/secret/v1\u{0}".utf8)

    private let key: SymmetricKey

    /// Wraps an existing 256-bit key (tests, in-memory setups).
    public init(key: SymmetricKey) throws {
        guard key.bitCount == 256 else { throw CryptoKitError.incorrectKeySize }
        self.key = key
    }

    /// Loads the key at `path`, or creates it atomically (temp file, fsync, link) if absent.
    ///
    /// Refuses a file that is not a regular file, not exactly 32 bytes, or accessible by group/others.
    public static func loadOrCreate(at path: String) throws -> ServerKey {
        if let existing = try load(at: path) { return existing }
        let bytes = SecureRandom.bytes(byteCount)
        let temp = path + ".tmp-" + SecureRandom.bytes(8).map { String($0, radix: 16) }.joined()
        let fd = openFile(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServerKeyError.io(operation: "open", path: temp, errno: errno) }
        defer { unlink(temp) }
        do {
            defer { close(fd) }
            guard fchmod(fd, 0o600) == 0 else { throw ServerKeyError.io(operation: "fchmod", path: temp, errno: errno) }
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else { throw ServerKeyError.io(operation: "write", path: temp, errno: errno) }
            guard fsync(fd) == 0 else { throw ServerKeyError.io(operation: "fsync", path: temp, errno: errno) }
        }
        // link() publishes the complete file atomically and, unlike rename(), never replaces a key
        // another process created meanwhile: on EEXIST we use theirs.
        if link(temp, path) != 0 {
            let linkErrno = errno
            if linkErrno == EEXIST, let existing = try load(at: path) { return existing }
            // Filesystems without hard links: fall back to rename (still atomic).
            guard linkErrno == EPERM || linkErrno == ENOTSUP || linkErrno == EOPNOTSUPP,
                  rename(temp, path) == 0
            else { throw ServerKeyError.io(operation: "link", path: path, errno: linkErrno) }
        }
        syncDirectory(of: path)
        return try ServerKey(key: SymmetricKey(data: bytes))
    }

    /// Reads an existing key file; nil if it does not exist.
    private static func load(at path: String) throws -> ServerKey? {
        let fd = openFile(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw ServerKeyError.io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ServerKeyError.io(operation: "fstat", path: path, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw ServerKeyError.notRegularFile(path: path) }
        guard info.st_mode & 0o077 == 0 else {
            throw ServerKeyError.insecurePermissions(path: path, mode: String(info.st_mode & 0o7777, radix: 8))
        }
        guard info.st_size == off_t(byteCount) else {
            throw ServerKeyError.wrongSize(path: path, size: Int64(info.st_size))
        }
        var bytes = [UInt8](repeating: 0, count: byteCount)
        let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, byteCount, 0) }
        guard got == byteCount else { throw ServerKeyError.io(operation: "read", path: path, errno: errno) }
        defer { for i in bytes.indices { bytes[i] = 0 } }
        return try ServerKey(key: SymmetricKey(data: bytes))
    }

    /// Best-effort fsync of the directory holding `path`, so the new name survives a crash.
    private static func syncDirectory(of path: String) {
        let dir = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = openFile(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Opens a transfer key that an earlier version sealed with the server key between requests (bound to the
    /// tracking id as `context`). Only for sessions open across the upgrade: a key beside the database must not
    /// open transfer keys, so nothing seals them this way any more (sessions now seal TK under the creator's token).
    public func openLegacyTransferKey(_ sealed: [UInt8], context: String) throws -> TransferKey {
        try TransferKey(rawBytes: open(sealed, domain: Self.transferKeyDomain, context: context))
    }

    /// Seals a transfer key the way earlier versions did; for the upgrade tests of `openLegacyTransferKey` only.
    public func sealLegacyTransferKey(_ transferKey: TransferKey, context: String) throws -> [UInt8] {
        try seal(transferKey.rawBytes, domain: Self.transferKeyDomain, context: context)
    }

    /// Seals a settings secret (SMTP, LDAP, SSH credentials), bound to `context` (e.g. the setting name).
    public func sealSecret(_ bytes: [UInt8], context: String) throws -> [UInt8] {
        try seal(bytes, domain: Self.secretDomain, context: context)
    }

    /// Opens a secret sealed by `sealSecret(_:context:)` with the same `context`.
    public func openSecret(_ sealed: [UInt8], context: String) throws -> [UInt8] {
        try open(sealed, domain: Self.secretDomain, context: context)
    }

    /// AES-GCM combined (nonce ‖ ciphertext ‖ tag) with AAD = domain ‖ context.
    private func seal(_ bytes: [UInt8], domain: [UInt8], context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(bytes, using: key, authenticating: domain + Array(context.utf8))
        guard let combined = box.combined else { throw ServerKeyError.authenticationFailed }
        return Array(combined)
    }

    /// Inverse of `seal(_:domain:context:)`; any failure is `authenticationFailed`.
    private func open(_ sealed: [UInt8], domain: [UInt8], context: String) throws -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: key, authenticating: domain + Array(context.utf8)))
        } catch {
            throw ServerKeyError.authenticationFailed
        }
    }
}
