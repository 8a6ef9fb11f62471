import Foundation
import GRDB
import SealdropCore

/// `LogoRepository` on SQLite: one row, the image as a blob.
extension SealdropDatabase: LogoRepository {
    public func logo() async throws -> StoredLogo? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM logo WHERE id = 1").map { row in
                let bytes: Data = row["bytes"]
                let uploadedAt: Double = row["uploaded_at"]
                return StoredLogo(mediaType: row["media_type"], bytes: [UInt8](bytes), uploadedBy: row["uploaded_by"],
                                  uploadedAt: Date(timeIntervalSince1970: uploadedAt))
            }
        }
    }

    public func saveLogo(_ logo: StoredLogo) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO logo (id, media_type, bytes, uploaded_by, uploaded_at) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET media_type = excluded.media_type, bytes = excluded.bytes,
                    uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at
                """, arguments: [logo.mediaType, Data(logo.bytes), logo.uploadedBy, Column.time(logo.uploadedAt)])
        }
    }

    public func deleteLogo() async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM logo WHERE id = 1")
            return db.changesCount == 1
        }
    }
}
