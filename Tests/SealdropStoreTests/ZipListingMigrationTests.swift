import Foundation
import GRDB
import SealdropCore
@testable import SealdropStore
import Testing

/// Migration 0008 on a database written before it: existing file rows stay as they were, without a listing,
/// and listings stored afterwards survive closing and reopening the file.
@Suite struct ZipListingMigrationTests {
    @Test func filesFromBeforeTheMigrationGainAnEmptyListingThatFinalizeFills() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("db.sqlite")
        let session = Fixture.session()
        let file = Fixture.file(session.trackingId, name: "archive.zip")
        do {
            let queue = try DatabaseQueue(path: path)
            try SealdropMigrations.migrator.migrate(queue, upTo: "0007-language-packs")
            try await queue.write { db in
                #expect(try db.columns(in: "files").contains { $0.name == "zip_listing_json" } == false)
                try db.execute(sql: """
                    INSERT INTO transfers (tracking_id, sender_email, sender_email_normalized, sender_json, recipients_json,
                        settings_json, state, creator_token_hash, client_id, created_at, updated_at, finalized_at, expires_at,
                        session_sealed_key, wrapped_key, sealed_password, sender_ip)
                    VALUES (:tracking_id, :sender_email, :sender_email_normalized, :sender_json, :recipients_json,
                        :settings_json, :state, :creator_token_hash, :client_id, :created_at, :updated_at, :finalized_at, :expires_at,
                        :session_sealed_key, :wrapped_key, :sealed_password, :sender_ip)
                    """, arguments: try SealdropDatabase.transferArguments(session))
                try db.execute(sql: """
                    INSERT INTO files (tracking_id, file_id, position, file_name, size, declared_checksum, state, created_at)
                    VALUES (?, ?, 1, ?, ?, ?, ?, ?)
                    """, arguments: [file.trackingId.rawValue, file.fileId.rawValue, file.fileName, file.size, file.declaredChecksum,
                                     file.state.rawValue, file.createdAt.timeIntervalSince1970])
            }
        }
        let listing = ZipListing(names: ["Prüfbericht – Ä.pdf", "<b>bold</b>.txt"], more: 1)
        do {
            let db = try SealdropDatabase.open(path: path, bodySealer: ReversingSealer())
            #expect(try await db.files(of: session.trackingId) == [file])
            #expect(try await db.finalize(Fixture.finalized(session), zipListings: [file.fileId: listing],
                                          recipients: Fixture.recipients(of: session), mails: [], archiveJob: nil))
        }
        let reopened = try SealdropDatabase.open(path: path, bodySealer: ReversingSealer())
        #expect(try await reopened.files(of: session.trackingId).map(\.zipListing) == [listing])
    }
}
