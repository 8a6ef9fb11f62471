#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import SealdropCore

/// The relational store of Sealdrop on SQLite: one writer, one migrator, intention-named units of work.
///
/// The same type serves the embedded default (a WAL-mode file in the data dir) and tests (an in-memory
/// database), so every repository contract test runs against real SQL.
///
/// Rows that held secrets are wiped, not just updated: `secure_delete` zeroes freed cells and pages, and after
/// every write that removes one (a session's sealed key at finalize, a mail body once sent, a transfer's keys
/// when it ends) the WAL is checkpointed and truncated, so a copy of the data dir finds no old version.
public final class SealdropDatabase: Sendable {
    let writer: any DatabaseWriter
    let bodySealer: (any MailBodySealing)?

    /// Wraps an already configured writer and brings its schema up to date; `bodySealer` seals outbox bodies at rest.
    public init(writer: any DatabaseWriter, bodySealer: (any MailBodySealing)?) throws {
        self.writer = writer
        self.bodySealer = bodySealer
        try SealdropMigrations.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database file at `path` in WAL mode, readable by the owner only.
    public static func open(path: String, bodySealer: any MailBodySealing) throws -> SealdropDatabase {
        try restrictToOwner(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        return try SealdropDatabase(writer: pool, bodySealer: bodySealer)
    }

    /// A fresh in-memory database for tests.
    public static func inMemory(bodySealer: (any MailBodySealing)? = nil) throws -> SealdropDatabase {
        try SealdropDatabase(writer: DatabaseQueue(), bodySealer: bodySealer)
    }

    /// Creates the database file with mode 0600 (SQLite would use 0644, and its `-wal` and `-shm` files take the
    /// main file's mode), or takes group and other permissions away from an existing one.
    static func restrictToOwner(_ path: String) throws {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw DatabaseFileError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw DatabaseFileError(operation: "fchmod", path: path, errno: errno) }
        for suffix in ["-wal", "-shm"] { _ = chmod(path + suffix, 0o600) }
    }

    /// Moves every WAL frame into the database and truncates the WAL to zero bytes, after a write that removed a
    /// secret: the WAL still holds the page as it was before. Best effort: a failure (a reader that held on past
    /// the busy timeout) leaves the job to the next such write.
    func scrubWAL() async {
        _ = try? await writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// The SQLite `secure_delete` setting of the writer connection (1 when freed content is zeroed).
    public func secureDeleteSetting() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0 }
    }

    /// The SQLite journal mode in force (`wal` for the file database).
    public func journalMode() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}

/// Conversions between domain values and SQLite columns.
enum Column {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = .sortedKeys
        return e
    }()

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return try d.decode(type, from: Data(text.utf8))
    }

    static func time(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func time(_ date: Date?) -> Double? { date?.timeIntervalSince1970 }
    static func date(_ value: Double?) -> Date? { value.map(Date.init(timeIntervalSince1970:)) }
    static func data(_ bytes: [UInt8]?) -> Data? { bytes.map { Data($0) } }
    static func bytes(_ data: Data?) -> [UInt8]? { data.map { [UInt8]($0) } }
}

/// The database file could not be created or restricted to its owner.
struct DatabaseFileError: Error, CustomStringConvertible {
    let operation: String
    let path: String
    let errno: Int32
    var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// A row could not be turned back into a domain value: the database was edited by hand or is corrupt.
struct CorruptRowError: Error, CustomStringConvertible {
    let table: String
    let column: String
    var description: String { "corrupt value in \(table).\(column)" }
}
