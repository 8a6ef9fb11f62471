#if canImport(Glibc)
import Glibc
#endif

/// A failed `link(2)`, with its `errno`.
public struct BackupLinkFailure: Error, Equatable {
    public let code: Int32

    public init(code: Int32) {
        self.code = code
    }

    /// Whether a copy can stand in: another file system (`EXDEV`), a file system without hard links or one that
    /// refuses them (`EPERM`, `ENOTSUP`), or too many links on the inode (`EMLINK`).
    public var copyInstead: Bool { [EXDEV, EPERM, ENOTSUP, EMLINK].contains(code) }
}

/// Makes hard links; a seam so tests can take the copy path without a second file system.
public protocol BackupFileLinker: Sendable {
    /// Makes `destination` another name of `source`'s inode; throws `BackupLinkFailure`.
    func link(_ source: String, _ destination: String) throws
}

/// `link(2)`.
public struct POSIXBackupLinker: BackupFileLinker {
    public init() {}

    public func link(_ source: String, _ destination: String) throws {
        guard Glibc.link(source, destination) == 0 else { throw BackupLinkFailure(code: errno) }
    }
}
