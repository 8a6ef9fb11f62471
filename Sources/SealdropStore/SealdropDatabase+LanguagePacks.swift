import Foundation
import GRDB
import SealdropCore

/// `LanguagePackRepository` on SQLite: one row per locale, the string files as one JSON text.
extension SealdropDatabase: LanguagePackRepository {
    public func languagePacks() async throws -> [StoredLanguagePack] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM language_packs ORDER BY locale").compactMap { row -> StoredLanguagePack? in
                let text: String = row["files_json"]
                guard let files = try? JSONDecoder().decode([String: [String: String]].self, from: Data(text.utf8)) else { return nil }
                let lastChange: Double? = row["last_change"]
                let uploadedAt: Double = row["uploaded_at"]
                return StoredLanguagePack(locale: row["locale"], displayName: row["display_name"], version: row["version"],
                                          lastChange: lastChange.map(Date.init(timeIntervalSince1970:)), files: files,
                                          uploadedBy: row["uploaded_by"], uploadedAt: Date(timeIntervalSince1970: uploadedAt))
            }
        }
    }

    public func saveLanguagePack(_ pack: StoredLanguagePack) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let files = String(decoding: try encoder.encode(pack.files), as: UTF8.self)
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO language_packs (locale, display_name, version, last_change, files_json, uploaded_by, uploaded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(locale) DO UPDATE SET display_name = excluded.display_name, version = excluded.version,
                    last_change = excluded.last_change, files_json = excluded.files_json, uploaded_by = excluded.uploaded_by,
                    uploaded_at = excluded.uploaded_at
                """, arguments: [pack.locale, pack.displayName, pack.version, Column.time(pack.lastChange), files, pack.uploadedBy,
                                 Column.time(pack.uploadedAt)])
        }
    }

    public func deleteLanguagePack(locale: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM language_packs WHERE locale = ?", arguments: [locale])
            return db.changesCount == 1
        }
    }
}
