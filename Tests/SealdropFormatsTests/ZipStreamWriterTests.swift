import Foundation
import Testing

import SealdropFormats

/// Whether the archive checkers exist; under `CI=true` they must, so the suite runs (and fails) anyway.
private enum ZipTools {
    static let unzip = "/usr/bin/unzip"
    static var available: Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        return FileManager.default.isExecutableFile(atPath: unzip)
            && (try? ZipStreamWriterTests.run(["python3", "--version"]).status) == 0
    }
}

/// Checks archives with the real `unzip` and Python's `zipfile` (CI must install both; locally they are skipped if absent).
@Suite(.enabled(if: ZipTools.available)) // Never skipped where CI=true (available is true there).
struct ZipStreamWriterTests {

    static let modified = Date(timeIntervalSince1970: 1_716_361_031)  // 2024-05-22T06:57:11Z
    static let utc = TimeZone(secondsFromGMT: 0)!

    struct File {
        var name: String
        var bytes: [UInt8]
    }

    static let samples: [File] = [
        File(name: "readme.txt", bytes: Array("hello, world\n".utf8)),
        File(name: "Prüfbericht 2024 – Ä.pdf", bytes: (0..<3_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }),
        File(name: "日本語/ファイル.bin", bytes: [0, 1, 2, 255]),
        File(name: "empty", bytes: []),
        File(name: "emoji 📎.txt", bytes: Array("📎".utf8)),
    ]

    /// Writes `files` through the writer, feeding data in uneven chunks, and checks the byte accounting.
    static func archive(_ files: [File], mode: ZipStreamWriter.Zip64Mode) throws -> [UInt8] {
        var writer = ZipStreamWriter(zip64: mode, timeZone: utc)
        var out = [UInt8]()
        for file in files {
            out += writer.beginEntry(name: file.name, size: UInt64(file.bytes.count), modified: modified)
            var index = 0
            var chunk = 1
            while index < file.bytes.count {
                let end = min(index + chunk, file.bytes.count)
                let slice = Array(file.bytes[index..<end])
                writer.entryData(slice)
                out += slice
                index = end
                chunk = chunk * 3 + 1
            }
            out += try writer.endEntry()
        }
        out += writer.finish()
        #expect(writer.bytesWritten == UInt64(out.count))
        let predicted = ZipStreamWriter.archiveSize(
            entries: files.map { (name: $0.name, size: UInt64($0.bytes.count)) }, zip64: mode)
        #expect(predicted == UInt64(out.count))
        return out
    }

    /// Entries as Python's zipfile reads them: name, content hex, flag bits, DOS date-time.
    struct PythonEntry: Decodable, Equatable {
        var name: String
        var hex: String
        var flags: Int
        var dateTime: [Int]
    }

    static let pythonCheck = """
        import json, sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None
        print(json.dumps([{"name": i.filename, "hex": z.read(i).hex(), "flags": i.flag_bits,
                           "dateTime": list(i.date_time)} for i in z.infolist()]))
        """

    static func check(_ archive: [UInt8], expecting files: [File]) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sealdrop-\(UUID().uuidString).zip")
        try Data(archive).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let unzipResult = try run([ZipTools.unzip, "-t", url.path])
        if files.isEmpty {
            #expect(unzipResult.status == 1 && unzipResult.output.contains("zipfile is empty"), "\(unzipResult.output)")
        } else {
            #expect(unzipResult.status == 0, "\(unzipResult.output)")
            #expect(unzipResult.output.contains("No errors detected"))
        }

        let python = try run(["python3", "-c", pythonCheck, url.path])
        #expect(python.status == 0, "\(python.output)")
        let entries = try JSONDecoder().decode([PythonEntry].self, from: Data(python.output.utf8))
        #expect(entries == files.map {
            PythonEntry(name: $0.name, hex: $0.bytes.map { String(format: "%02x", $0) }.joined(),
                        flags: 0x0808, dateTime: [2024, 5, 22, 6, 57, 10])
        })
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: [ZipStreamWriter.Zip64Mode.automatic, .always])
    func emptyArchive(mode: ZipStreamWriter.Zip64Mode) throws {
        let bytes = try Self.archive([], mode: mode)
        #expect(bytes.count == (mode == .always ? 98 : 22))
        try Self.check(bytes, expecting: [])
    }

    @Test(arguments: [ZipStreamWriter.Zip64Mode.automatic, .always])
    func singleEmptyFile(mode: ZipStreamWriter.Zip64Mode) throws {
        let files = [File(name: "nothing.txt", bytes: [])]
        try Self.check(try Self.archive(files, mode: mode), expecting: files)
    }

    @Test(arguments: [ZipStreamWriter.Zip64Mode.automatic, .always])
    func severalFilesWithUTF8Names(mode: ZipStreamWriter.Zip64Mode) throws {
        try Self.check(try Self.archive(Self.samples, mode: mode), expecting: Self.samples)
    }

    @Test func localHeaderAnnouncesDataDescriptorAndUTF8() {
        var writer = ZipStreamWriter(timeZone: Self.utc)
        let header = writer.beginEntry(name: "ä", size: 1, modified: Self.modified)
        #expect(Array(header[0..<4]) == [0x50, 0x4B, 0x03, 0x04])
        #expect(header[6] == 0x08 && header[7] == 0x08)
        #expect(header.count == 30 + 2)
    }

    @Test func sizeMismatchThrows() throws {
        var writer = ZipStreamWriter()
        _ = writer.beginEntry(name: "a", size: 3, modified: Self.modified)
        writer.entryData([1, 2])
        #expect(throws: ZipStreamWriter.Failure.sizeMismatch(declared: 3, actual: 2)) { try writer.endEntry() }
        _ = writer.beginEntry(name: "b", size: 1, modified: Self.modified)
        writer.entryData([1, 2])
        #expect(throws: ZipStreamWriter.Failure.sizeMismatch(declared: 1, actual: 2)) { try writer.endEntry() }
    }

    @Test func archiveSizeSwitchesToZip64ForLargeEntries() {
        let big: UInt64 = 5 << 30
        // Entry 1 is too big for 32 bits; entry 2 starts beyond 4 GiB; the directory too.
        let local1: UInt64 = 30 + 3 + 20 + big + 24
        let local2: UInt64 = 30 + 5 + 20 + 10 + 24
        let central: UInt64 = 46 + 3 + 28 + 46 + 5 + 28
        let ends: UInt64 = 56 + 20 + 22
        let expected: UInt64 = local1 + local2 + central + ends
        #expect(ZipStreamWriter.archiveSize(entries: [(name: "big", size: big), (name: "small", size: 10)]) == expected)

        let smallOnly = ZipStreamWriter.archiveSize(entries: [(name: "small", size: 10)])
        let smallExpected: UInt64 = 30 + 5 + 10 + 16 + 46 + 5 + 22
        #expect(smallOnly == smallExpected)
    }

    @Test func dosTimestampsUseTheWritersZone() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        var writer = ZipStreamWriter(timeZone: berlin)
        let header = writer.beginEntry(name: "a", size: 0, modified: Self.modified)
        let time = UInt16(header[10]) | UInt16(header[11]) << 8
        #expect(time >> 11 == 8)  // 06:57 UTC is 08:57 in Berlin (CEST)
    }
}
