#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Why a backup, verification or restore stopped; each description is one sentence for the operator (paths, never
/// key material).
public enum BackupError: Error, CustomStringConvertible, Equatable {
    /// Another backup holds the directory's lock.
    case busy(directory: String)
    /// A backup of that name exists already.
    case exists(path: String)
    /// The live database file is missing.
    case noDatabase(path: String)
    /// A file-system call failed.
    case io(operation: String, path: String, code: Int32)
    /// The database snapshot failed.
    case database(String)
    /// `verify` found problems (restore refuses such a backup).
    case invalid(path: String, problems: [String])
    /// Restore only writes into an empty (or new) data directory.
    case targetNotEmpty(path: String)
    /// The backup was made without `server.key` and none was given.
    case serverKeyMissing
    /// The key given is not the one the backup was made with.
    case serverKeyMismatch(path: String)
    /// A name the backup directory cannot hold.
    case badName(String)

    public var description: String {
        switch self {
        case .busy(let directory): "another backup is being written into \(directory)"
        case .exists(let path): "\(path) exists already"
        case .noDatabase(let path): "there is no database at \(path)"
        case .io(let operation, let path, let code): "\(operation) \(path) failed: \(String(cString: strerror(code)))"
        case .database(let message): "the database snapshot failed: \(message)"
        case .invalid(let path, let problems):
            "\(path) is not a valid backup: \(problems.prefix(3).joined(separator: "; "))\(problems.count > 3 ? " (and \(problems.count - 3) more)" : "")"
        case .targetNotEmpty(let path): "\(path) is not empty; restore only writes into an empty or new data directory"
        case .serverKeyMissing: "the backup holds no server.key; give the key file with --server-key"
        case .serverKeyMismatch(let path): "\(path) is not the server key this backup was made with"
        case .badName(let name): "\(name) is not a usable backup name"
        }
    }

    /// The error of a failed POSIX call.
    public static func posix(_ operation: String, _ path: String, _ code: Int32 = errno) -> BackupError {
        .io(operation: operation, path: path, code: code)
    }
}
