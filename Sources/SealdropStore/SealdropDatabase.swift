import Foundation
import GRDB
import SealdropCore

/// The relational store of Sealdrop on SQLite: one writer, one migrator, intention-named units of work.
///
/// The same type serves the embedded default (a WAL-mode file in the data dir) and tests (an in-memory
/// database), so every repository contract test runs against real SQL.
public final class SealdropDatabase: Sendable {
    let writer: any DatabaseWriter

    /// Wraps an already configured writer and brings its schema up to date.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try SealdropMigrations.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database file at `path` in WAL mode.
    public static func open(path: String) throws -> SealdropDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        return try SealdropDatabase(writer: pool)
    }

    /// A fresh in-memory database for tests.
    public static func inMemory() throws -> SealdropDatabase {
        try SealdropDatabase(writer: DatabaseQueue())
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

/// A row could not be turned back into a domain value: the database was edited by hand or is corrupt.
struct CorruptRowError: Error, CustomStringConvertible {
    let table: String
    let column: String
    var description: String { "corrupt value in \(table).\(column)" }
}
