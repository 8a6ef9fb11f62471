import Foundation
import Logging
@testable import SealdropServices
import Testing

/// The system log on disk: JSON lines as stdout has them, rotation by size and count, owner-only files, no line
/// lost or torn under concurrent writers, drops counted when the buffer is full, and reading back by level.
@Suite struct SystemLogWriterTests {
    /// A fresh directory for one test's log files.
    final class Directory {
        let path = NSTemporaryDirectory() + "sealdrop-log-" + UUID().uuidString
        deinit { try? FileManager.default.removeItem(atPath: path) }
        var logs: String { path + "/logs" }
    }

    static func line(_ i: Int, level: Logger.Level = .info, writer: Int = 0) -> Data {
        SystemLogLine.json(date: Date(), level: level, label: "sealdrop.test", message: "test.line",
                           metadata: ["i": "\(i)", "writer": "\(writer)", "pad": "\(String(repeating: "x", count: 40))"])!
    }

    static func lines(_ path: String) throws -> [SystemLogEntry] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try data.split(separator: UInt8(ascii: "\n")).map { try #require(SystemLogEntry(line: Data($0))) }
    }

    static func mode(_ path: String) throws -> Int {
        try #require((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test func concurrentWritersLoseAndTearNoLine() async throws {
        let dir = Directory()
        let files = SystemLogFiles(directory: dir.logs, maxBytes: 64 * 1024, rotatedCount: 100)
        let writer = SystemLogWriter(files: files, bufferLimit: 64 * 1024 * 1024)
        try writer.start()
        // Eight threads at once, through the log handler as the process uses it.
        DispatchQueue.concurrentPerform(iterations: 8) { w in
            var logger = Logger(label: "sealdrop.test") { SystemLogFileHandler(label: $0, writer: writer) }
            logger.logLevel = .info
            for i in 0..<500 { logger.info("test.line", metadata: ["i": "\(i)", "writer": "\(w)"]) }
        }
        writer.close()
        #expect(writer.droppedLines == 0)
        var seen = Set<String>()
        for file in files.existing() {
            for entry in try Self.lines(file.path) {
                #expect(entry.message == "test.line" && entry.level == "info" && entry.label == "sealdrop.test")
                seen.insert("\(entry.metadata["writer"]!)/\(entry.metadata["i"]!)")
            }
            #expect(try Self.mode(file.path) == 0o600, "\(file.name)")
        }
        #expect(seen.count == 8 * 500)
        #expect(files.existing().count > 2, "rotated at 64 KiB")
        #expect(try Self.mode(dir.logs) == 0o700)
    }

    @Test func rotationKeepsTheNewestFilesUpToTheCount() async throws {
        let dir = Directory()
        let files = SystemLogFiles(directory: dir.logs, maxBytes: 2000, rotatedCount: 3)
        let writer = SystemLogWriter(files: files)
        try writer.start()
        for i in 0..<400 {
            writer.write(Self.line(i))
            if i % 10 == 9 { writer.flush() }
        }
        writer.close()
        let existing = files.existing()
        #expect(existing.map(\.name) == ["sealdrop.log", "sealdrop.log.1", "sealdrop.log.2", "sealdrop.log.3"])
        #expect(!FileManager.default.fileExists(atPath: files.path(rotation: 4)))
        // Each rotated file stopped at the first write past the limit; the newest lines are in the current file.
        for file in existing.dropFirst() { #expect(file.size >= 2000 && file.size < 2000 + 10 * 200, "\(file.name) \(file.size)") }
        let numbers = try existing.reversed().flatMap { try Self.lines($0.path) }.map { Int($0.metadata["i"]!)! }
        #expect(numbers.last == 399 && numbers == Array(numbers.first!...399), "contiguous, oldest rotated away")
        #expect(numbers.first! > 0)
        for file in existing { #expect(try Self.mode(file.path) == 0o600) }
    }

    @Test func aFullBufferDropsLinesAndTheNextWriteCountsThem() async throws {
        let dir = Directory()
        let writer = SystemLogWriter(files: SystemLogFiles(directory: dir.logs), bufferLimit: 1024)
        try writer.start()
        writer.write(Data(repeating: UInt8(ascii: "x"), count: 2048) + Data("\n".utf8))
        writer.write(Self.line(1))
        writer.close()
        #expect(writer.droppedLines == 1)
        let entries = try Self.lines(dir.logs + "/sealdrop.log")
        #expect(entries.map(\.message) == ["log.dropped", "test.line"])
        #expect(entries[0].metadata["lines"] == "1" && entries[0].level == "warning")
        writer.write(Self.line(2))
        #expect(writer.droppedLines == 2, "a closed writer drops")
    }

    @Test func theReaderFiltersByLevelAndPagesNewestFirstAcrossRotatedFiles() async throws {
        let dir = Directory()
        let files = SystemLogFiles(directory: dir.logs, maxBytes: 1500, rotatedCount: 50)
        let writer = SystemLogWriter(files: files)
        try writer.start()
        let levels: [Logger.Level] = [.debug, .info, .warning, .error]
        for i in 0..<120 {
            writer.write(Self.line(i, level: levels[i % 4]))
            writer.flush()
        }
        writer.close()
        #expect(files.existing().count > 3)
        let reader = SystemLogReader(files: files)
        let warnings = reader.entries(minimumLevel: .warning, limit: 25)
        #expect(warnings.entries.count == 25 && warnings.hasMore)
        #expect(warnings.entries.allSatisfy { $0.level == "warning" || $0.level == "error" })
        #expect(warnings.entries.map { Int($0.metadata["i"]!)! } == Array((0..<120).filter { $0 % 4 >= 2 }.reversed().prefix(25)))
        let rest = reader.entries(minimumLevel: .warning, limit: 1000, offset: 25)
        #expect(rest.entries.count == 60 - 25 && !rest.hasMore)
        #expect(reader.entries(limit: 1000).entries.count == 120)
        #expect(reader.entries(minimumLevel: .critical, limit: 10) == .init(entries: [], hasMore: false))
        #expect(warnings.entries[0].text.contains(" error sealdrop.test: test.line i=119 "))
    }
}
