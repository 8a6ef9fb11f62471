import Foundation
import GRDB
import Logging
import SealdropCore
import SealdropFormats
@testable import SealdropServices
import SealdropStore
import Testing

/// Uploading and removing language packs: what is stored when uploads of one locale race.
@Suite struct LanguagePackServiceTests {
    /// Real SQLite underneath; saving the version `slowVersion` takes a moment, as a busy disk would.
    final class SlowSaves: LanguagePackRepository {
        let database: SealdropDatabase
        let slowVersion: String

        init(database: SealdropDatabase, slowVersion: String) {
            self.database = database
            self.slowVersion = slowVersion
        }

        func languagePacks() async throws -> [StoredLanguagePack] { try await database.languagePacks() }
        func saveLanguagePack(_ pack: StoredLanguagePack) async throws {
            if pack.version == slowVersion { try await Task.sleep(for: .milliseconds(50)) }
            try await database.saveLanguagePack(pack)
        }
        func deleteLanguagePack(locale: String) async throws -> Bool { try await database.deleteLanguagePack(locale: locale) }
    }

    /// A pack ZIP (stored entries) for `locale` at `version`, made with the server's own ZIP writer.
    static func pack(locale: String, version: String) throws -> [UInt8] {
        let manifest = #"{"locale":"\#(locale)","version":"\#(version)","lastChangeTimestamp":null}"#
        var writer = ZipStreamWriter()
        var zip: [UInt8] = []
        for (name, text) in [("manifest.json", manifest), ("web.json", #"{"send":"Envoyer \#(version)"}"#)] {
            zip += writer.beginEntry(name: name, size: UInt64(text.utf8.count), modified: Date())
            writer.entryData(Array(text.utf8))
            zip += Array(text.utf8)
            zip += try writer.endEntry()
        }
        return zip + writer.finish()
    }

    @Test func anOlderVersionNeverOverwritesANewerOneUploadedAtTheSameTime() async throws {
        for _ in 0..<5 {
            let database = try SealdropDatabase(writer: try DatabaseQueue(), bodySealer: nil)
            let service = LanguagePackService(repository: SlowSaves(database: database, slowVersion: "1.0"),
                                              audit: AuditLog(repository: database), logger: Logger(label: "sealdrop.tests"))
            let older = try Self.pack(locale: "fr-FR", version: "1.0"), newer = try Self.pack(locale: "fr-FR", version: "2.0")
            async let a: Void = { _ = try? await service.upload(older, by: "admin") }()
            async let b: Void = { try? await Task.sleep(for: .milliseconds(5)); _ = try? await service.upload(newer, by: "admin") }()
            _ = await (a, b)
            #expect(service.pack(locale: "fr-FR")?.version == "2.0")
            #expect(try await database.languagePacks().map(\.version) == ["2.0"])
        }
    }
}
