import Foundation
import GRDB
import SealdropCore

/// `TransferRepository` on SQLite.
extension SealdropDatabase: TransferRepository {
    public func insertSession(_ t: TransferRecord) async throws {
        let args = try Self.transferArguments(t)
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO transfers (tracking_id, sender_email, sender_email_normalized, sender_json, recipients_json,
                    settings_json, state, creator_token_hash, client_id, created_at, updated_at, finalized_at, expires_at,
                    session_sealed_key, wrapped_key, sealed_password, sender_ip)
                VALUES (:tracking_id, :sender_email, :sender_email_normalized, :sender_json, :recipients_json,
                    :settings_json, :state, :creator_token_hash, :client_id, :created_at, :updated_at, :finalized_at, :expires_at,
                    :session_sealed_key, :wrapped_key, :sealed_password, :sender_ip)
                """, arguments: args)
        }
    }

    public func transfer(_ trackingId: TrackingID) async throws -> TransferRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM transfers WHERE tracking_id = ?", arguments: [trackingId.rawValue])
                .map(Self.transfer(from:))
        }
    }

    public func updateSession(_ t: TransferRecord) async throws -> Bool {
        let args = try Self.transferArguments(t)
        return try await writer.write { db in
            try db.execute(sql: """
                UPDATE transfers SET sender_json = :sender_json, settings_json = :settings_json, updated_at = :updated_at,
                    expires_at = :expires_at, sealed_password = :sealed_password, session_sealed_key = :session_sealed_key
                WHERE tracking_id = :tracking_id AND state = 'OPEN'
                """, arguments: args)
            return db.changesCount > 0
        }
    }

    public func deleteTransfer(_ trackingId: TrackingID) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM transfers WHERE tracking_id = ?", arguments: [trackingId.rawValue])
        }
        await scrubWAL()
    }

    public func files(of trackingId: TrackingID) async throws -> [FileRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM files WHERE tracking_id = ? ORDER BY position", arguments: [trackingId.rawValue])
                .map(Self.file(from:))
        }
    }

    public func insertFile(_ f: FileRecord) async throws {
        do {
            try await writer.write { db in
                let position = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) + 1 FROM files WHERE tracking_id = ?",
                                                arguments: [f.trackingId.rawValue]) ?? 1
                try db.execute(sql: """
                    INSERT INTO files (tracking_id, file_id, position, file_name, size, declared_checksum, checksum, state, created_at, uploaded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [f.trackingId.rawValue, f.fileId.rawValue, position, f.fileName, f.size, f.declaredChecksum,
                                     f.checksum, f.state.rawValue, Column.time(f.createdAt), Column.time(f.uploadedAt)])
                try Self.touchSession(db, f.trackingId, at: f.createdAt)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw SealdropError.conflict("A file with this name is already part of the transfer session")
        }
    }

    public func updateFile(_ f: FileRecord) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE files SET size = ?, checksum = ?, state = ?, uploaded_at = ? WHERE tracking_id = ? AND file_id = ?
                """, arguments: [f.size, f.checksum, f.state.rawValue, Column.time(f.uploadedAt), f.trackingId.rawValue, f.fileId.rawValue])
            if let uploadedAt = f.uploadedAt { try Self.touchSession(db, f.trackingId, at: uploadedAt) }
        }
    }

    /// Work on a session's files counts as activity, so clean-up does not take it for abandoned.
    static func touchSession(_ db: Database, _ trackingId: TrackingID, at date: Date) throws {
        try db.execute(sql: "UPDATE transfers SET updated_at = MAX(updated_at, ?) WHERE tracking_id = ? AND state = 'OPEN'",
                       arguments: [Column.time(date), trackingId.rawValue])
    }

    public func deleteFile(_ trackingId: TrackingID, _ fileId: FileID) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM files WHERE tracking_id = ? AND file_id = ?", arguments: [trackingId.rawValue, fileId.rawValue])
        }
    }

    public func finalize(_ t: TransferRecord, zipListings: [FileID: ZipListing], recipients: [RecipientRecord], mails: [OutboxMessage],
                         archiveJob: ArchiveJob?) async throws -> Bool {
        let args = try Self.transferArguments(t)
        let jobArgs = try archiveJob.map(Self.archiveJobArguments)
        let mailArgs = try mails.map(outboxArguments)
        let listings = try zipListings.map { (fileId: $0.key.rawValue, json: try Column.json($0.value)) }
        let finalized = try await writer.write { db in
            try db.execute(sql: """
                UPDATE transfers SET state = :state, settings_json = :settings_json, updated_at = :updated_at,
                    finalized_at = :finalized_at, expires_at = :expires_at, session_sealed_key = NULL,
                    wrapped_key = :wrapped_key, sealed_password = :sealed_password
                WHERE tracking_id = :tracking_id AND state = 'OPEN'
                """, arguments: args)
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "UPDATE files SET state = 'ACTIVE' WHERE tracking_id = ?", arguments: [t.trackingId.rawValue])
            for listing in listings {
                try db.execute(sql: "UPDATE files SET zip_listing_json = ? WHERE tracking_id = ? AND file_id = ?",
                               arguments: [listing.json, t.trackingId.rawValue, listing.fileId])
            }
            for (position, r) in recipients.enumerated() {
                try db.execute(sql: """
                    INSERT INTO recipients (transfer_id, tracking_id, position, email, email_normalized, kind)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [r.transferId.rawValue, r.trackingId.rawValue, position, r.email.address, r.email.normalized, r.kind.rawValue])
            }
            for m in mailArgs { try Self.insertOutbox(db, m) }
            if let jobArgs { try Self.insertArchiveJob(db, jobArgs) }
            return true
        }
        if finalized { await scrubWAL() }
        return finalized
    }

    public func endTransfer(_ trackingId: TrackingID, state: TransferState, mails: [OutboxMessage]) async throws -> Bool {
        let mailArgs = try mails.map(outboxArguments)
        let now = Column.time(Date())
        let ended = try await writer.write { db in
            try db.execute(sql: """
                UPDATE transfers SET state = ?, updated_at = ?, session_sealed_key = NULL, wrapped_key = NULL, sealed_password = NULL
                WHERE tracking_id = ? AND state IN ('ACTIVE', 'PROCESSING')
                """, arguments: [state.rawValue, now, trackingId.rawValue])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "UPDATE files SET state = 'REMOVED' WHERE tracking_id = ?", arguments: [trackingId.rawValue])
            for m in mailArgs { try Self.insertOutbox(db, m) }
            return true
        }
        if ended { await scrubWAL() }
        return ended
    }

    public func transfers(sentBy email: EmailAddress, active: Bool?, page: Int, pageSize: Int) async throws -> [TransferRecord] {
        let filter = Self.activeFilter(active)
        return try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM transfers WHERE sender_email_normalized = ? AND state <> 'OPEN' \(filter)
                ORDER BY finalized_at DESC, tracking_id DESC LIMIT ? OFFSET ?
                """, arguments: [email.normalized, pageSize, (page - 1) * pageSize]).map(Self.transfer(from:))
        }
    }

    public func transfers(receivedBy email: EmailAddress, active: Bool?, page: Int, pageSize: Int) async throws -> [TransferRecord] {
        let filter = Self.activeFilter(active)
        return try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM transfers WHERE tracking_id IN (SELECT tracking_id FROM recipients WHERE email_normalized = ?)
                    AND state <> 'OPEN' \(filter)
                ORDER BY finalized_at DESC, tracking_id DESC LIMIT ? OFFSET ?
                """, arguments: [email.normalized, pageSize, (page - 1) * pageSize]).map(Self.transfer(from:))
        }
    }

    public func recipients(of trackingId: TrackingID) async throws -> [RecipientRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM recipients WHERE tracking_id = ? ORDER BY position", arguments: [trackingId.rawValue])
                .map(Self.recipient(from:))
        }
    }

    public func recipient(_ transferId: TransferID) async throws -> RecipientRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM recipients WHERE transfer_id = ?", arguments: [transferId.rawValue])
                .map(Self.recipient(from:))
        }
    }

    public func recordFailedAttempt(_ transferId: TransferID, now: Date) async throws -> Int? {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE recipients SET failed_attempts = failed_attempts + 1
                WHERE transfer_id = ? AND (locked_until IS NULL OR locked_until <= ?)
                """, arguments: [transferId.rawValue, Column.time(now)])
            guard db.changesCount > 0 else { return nil }
            return try Int.fetchOne(db, sql: "SELECT failed_attempts FROM recipients WHERE transfer_id = ?", arguments: [transferId.rawValue])
        }
    }

    public func lock(_ transferId: TransferID, until: Date, now: Date, mails: [OutboxMessage]) async throws -> Bool {
        let mailArgs = try mails.map(outboxArguments)
        return try await writer.write { db in
            try db.execute(sql: """
                UPDATE recipients SET failed_attempts = 0, locked_until = ?
                WHERE transfer_id = ? AND (locked_until IS NULL OR locked_until <= ?)
                """, arguments: [Column.time(until), transferId.rawValue, Column.time(now)])
            guard db.changesCount > 0 else { return false }
            for m in mailArgs { try Self.insertOutbox(db, m) }
            return true
        }
    }

    public func resetFailedAttempts(_ transferId: TransferID) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE recipients SET failed_attempts = 0 WHERE transfer_id = ? AND failed_attempts <> 0",
                           arguments: [transferId.rawValue])
        }
    }

    public func recordDownload(_ e: DownloadEvent) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO downloads (transfer_id, file_id, date, method) VALUES (?, ?, ?, ?)",
                           arguments: [e.transferId.rawValue, e.fileId.rawValue, Column.time(e.date), e.method.rawValue])
        }
    }

    public func downloads(of trackingId: TrackingID) async throws -> [DownloadEvent] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.* FROM downloads d JOIN recipients r ON r.transfer_id = d.transfer_id
                WHERE r.tracking_id = ? ORDER BY d.id
                """, arguments: [trackingId.rawValue]).map { row in
                guard let transferId = TransferID(rawValue: row["transfer_id"]),
                      let fileId = FileID(rawValue: row["file_id"]),
                      let method = RetrievalMethod(rawValue: row["method"]) else {
                    throw CorruptRowError(table: "downloads", column: "transfer_id/file_id/method")
                }
                return DownloadEvent(transferId: transferId, fileId: fileId, date: Date(timeIntervalSince1970: row["date"]), method: method)
            }
        }
    }

    public func expiredTransfers(asOf now: Date) async throws -> [TrackingID] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT tracking_id FROM transfers WHERE state = 'ACTIVE' AND expires_at <= ?",
                                arguments: [Column.time(now)]).compactMap(TrackingID.init(rawValue:))
        }
    }

    public func abandonedSessions(notUpdatedSince date: Date) async throws -> [TrackingID] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT tracking_id FROM transfers WHERE state = 'OPEN' AND updated_at < ?",
                                arguments: [Column.time(date)]).compactMap(TrackingID.init(rawValue:))
        }
    }

    public func liveTrackingIds() async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT tracking_id FROM transfers WHERE state IN ('OPEN', 'PROCESSING', 'ACTIVE')"))
        }
    }

    // MARK: - Row mapping

    static func activeFilter(_ active: Bool?) -> String {
        switch active {
        case .some(true): "AND state = 'ACTIVE'"
        case .some(false): "AND state <> 'ACTIVE'"
        case .none: ""
        }
    }

    static func transferArguments(_ t: TransferRecord) throws -> StatementArguments {
        [
            "tracking_id": t.trackingId.rawValue,
            "sender_email": t.senderEmail.address,
            "sender_email_normalized": t.senderEmail.normalized,
            "sender_json": try Column.json(t.sender),
            "recipients_json": try Column.json(t.recipients),
            "settings_json": try Column.json(t.settings),
            "state": t.state.rawValue,
            "creator_token_hash": Data(t.creatorTokenHash),
            "client_id": t.clientId,
            "created_at": Column.time(t.createdAt),
            "updated_at": Column.time(t.updatedAt),
            "finalized_at": Column.time(t.finalizedAt),
            "expires_at": Column.time(t.settings.expirationDate),
            "session_sealed_key": Column.data(t.sessionSealedKey),
            "wrapped_key": Column.data(t.wrappedKey),
            "sealed_password": Column.data(t.sealedPassword),
            "sender_ip": t.senderIP,
        ]
    }

    static func transfer(from row: Row) throws -> TransferRecord {
        guard let trackingId = TrackingID(rawValue: row["tracking_id"]) else { throw CorruptRowError(table: "transfers", column: "tracking_id") }
        guard let email = EmailAddress(row["sender_email"]) else { throw CorruptRowError(table: "transfers", column: "sender_email") }
        guard let state = TransferState(rawValue: row["state"]) else { throw CorruptRowError(table: "transfers", column: "state") }
        let tokenHash: Data = row["creator_token_hash"]
        var record = TransferRecord(
            trackingId: trackingId,
            senderEmail: email,
            sender: try Column.decode(SenderContact.self, row["sender_json"]),
            recipients: try Column.decode(RecipientList.self, row["recipients_json"]),
            settings: try Column.decode(TransferSettings.self, row["settings_json"]),
            state: state,
            creatorTokenHash: [UInt8](tokenHash),
            clientId: row["client_id"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            finalizedAt: Column.date(row["finalized_at"]),
            sessionSealedKey: Column.bytes(row["session_sealed_key"]),
            wrappedKey: Column.bytes(row["wrapped_key"]),
            sealedPassword: Column.bytes(row["sealed_password"]),
            senderIP: row["sender_ip"]
        )
        record.senderNotificationFailed = row["sender_notification_failed"]
        return record
    }

    static func file(from row: Row) throws -> FileRecord {
        guard let trackingId = TrackingID(rawValue: row["tracking_id"]),
              let fileId = FileID(rawValue: row["file_id"]),
              let state = FileState(rawValue: row["state"]) else {
            throw CorruptRowError(table: "files", column: "tracking_id/file_id/state")
        }
        return FileRecord(
            trackingId: trackingId, fileId: fileId, fileName: row["file_name"], size: row["size"],
            declaredChecksum: row["declared_checksum"], checksum: row["checksum"], state: state,
            createdAt: Date(timeIntervalSince1970: row["created_at"]), uploadedAt: Column.date(row["uploaded_at"]),
            zipListing: try (row["zip_listing_json"] as String?).map { try Column.decode(ZipListing.self, $0) }
        )
    }

    static func recipient(from row: Row) throws -> RecipientRecord {
        guard let transferId = TransferID(rawValue: row["transfer_id"]),
              let trackingId = TrackingID(rawValue: row["tracking_id"]),
              let email = EmailAddress(row["email"]),
              let kind = RecipientKind(rawValue: row["kind"]) else {
            throw CorruptRowError(table: "recipients", column: "transfer_id/tracking_id/email/kind")
        }
        return RecipientRecord(
            transferId: transferId, trackingId: trackingId, email: email, kind: kind,
            failedAttempts: row["failed_attempts"], lockedUntil: Column.date(row["locked_until"]),
            notificationFailed: row["notification_failed"]
        )
    }
}
