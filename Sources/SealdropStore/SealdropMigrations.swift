import GRDB

/// The numbered schema migrations; each runs once, in order, before any listener accepts traffic.
enum SealdropMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-transfers") { db in
            try db.execute(sql: """
                CREATE TABLE transfers (
                    tracking_id TEXT PRIMARY KEY NOT NULL,
                    sender_email TEXT NOT NULL,
                    sender_email_normalized TEXT NOT NULL,
                    sender_json TEXT NOT NULL,
                    recipients_json TEXT NOT NULL,
                    settings_json TEXT NOT NULL,
                    state TEXT NOT NULL,
                    creator_token_hash BLOB NOT NULL,
                    client_id TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    finalized_at REAL,
                    expires_at REAL NOT NULL,
                    server_sealed_key BLOB,
                    wrapped_key BLOB,
                    sealed_password BLOB,
                    sender_ip TEXT
                );
                CREATE INDEX transfers_by_sender ON transfers(sender_email_normalized, created_at);
                CREATE INDEX transfers_by_state ON transfers(state, expires_at);
                CREATE TABLE files (
                    tracking_id TEXT NOT NULL REFERENCES transfers(tracking_id) ON DELETE CASCADE,
                    file_id TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    file_name TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    declared_checksum TEXT,
                    checksum TEXT,
                    state TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    uploaded_at REAL,
                    PRIMARY KEY (tracking_id, file_id),
                    UNIQUE (tracking_id, file_name)
                );
                CREATE TABLE recipients (
                    transfer_id TEXT PRIMARY KEY NOT NULL,
                    tracking_id TEXT NOT NULL REFERENCES transfers(tracking_id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    email TEXT NOT NULL,
                    email_normalized TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    locked_until REAL,
                    notification_failed INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX recipients_by_transfer ON recipients(tracking_id);
                CREATE INDEX recipients_by_email ON recipients(email_normalized);
                CREATE TABLE downloads (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    transfer_id TEXT NOT NULL REFERENCES recipients(transfer_id) ON DELETE CASCADE,
                    file_id TEXT NOT NULL,
                    date REAL NOT NULL,
                    method TEXT NOT NULL
                );
                CREATE INDEX downloads_by_transfer ON downloads(transfer_id);
                """)
        }
        migrator.registerMigration("0002-verification") { db in
            try db.execute(sql: """
                CREATE TABLE verification_codes (
                    email_normalized TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    email TEXT NOT NULL,
                    code_hash BLOB NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (email_normalized, client_id)
                );
                CREATE TABLE verifications (
                    token_hash BLOB PRIMARY KEY NOT NULL,
                    email TEXT NOT NULL,
                    email_normalized TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    max_valid_until REAL,
                    last_used_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("0003-outbox") { db in
            try db.execute(sql: """
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    envelope_from TEXT NOT NULL,
                    envelope_to_json TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    message BLOB NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    tracking_id TEXT
                );
                CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
                """)
        }
        migrator.registerMigration("0004-sender-notification-failed") { db in
            try db.execute(sql: """
                ALTER TABLE transfers ADD COLUMN sender_notification_failed INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX outbox_tracking ON outbox(tracking_id);
                """)
        }
        migrator.registerMigration("0005-admin") { db in
            try db.execute(sql: """
                CREATE TABLE admin_accounts (
                    name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    locked_until REAL,
                    created_at REAL NOT NULL,
                    last_login_at REAL
                );
                CREATE TABLE admin_sessions (
                    token_hash BLOB PRIMARY KEY NOT NULL,
                    account_name TEXT NOT NULL REFERENCES admin_accounts(name) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    last_seen_at REAL NOT NULL,
                    authenticated_at REAL NOT NULL
                );
                CREATE TABLE admin_tokens (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    token_hash BLOB NOT NULL UNIQUE,
                    label TEXT NOT NULL,
                    role TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    last_used_at REAL
                );
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at_ms INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    old_value TEXT,
                    new_value TEXT,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TABLE runtime_settings (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    json TEXT NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX transfers_by_created ON transfers(created_at);
                """)
        }
        migrator.registerMigration("0006-session-sealed-key") { db in
            // The pre-finalize transfer key is sealed under a key derived from the creator's verification token
            // (no longer the server key); rows from before still open with the server key until first use.
            try db.execute(sql: "ALTER TABLE transfers RENAME COLUMN server_sealed_key TO session_sealed_key")
        }
        migrator.registerMigration("0007-language-packs") { db in
            // Languages administrators upload: one pack per locale, its string files as JSON (never the ZIP).
            try db.execute(sql: """
                CREATE TABLE language_packs (
                    locale TEXT PRIMARY KEY COLLATE NOCASE,
                    display_name TEXT NOT NULL,
                    version TEXT NOT NULL,
                    last_change REAL,
                    files_json TEXT NOT NULL,
                    uploaded_by TEXT NOT NULL,
                    uploaded_at REAL NOT NULL
                )
                """)
        }
        migrator.registerMigration("0008-zip-listing") { db in
            // The entry names of a ZIP file, listed at finalize for `showZipFileContent` (the key is gone afterwards).
            try db.execute(sql: "ALTER TABLE files ADD COLUMN zip_listing_json TEXT")
        }
        migrator.registerMigration("0009-logo") { db in
            // The administrator's logo for mails and pages: at most one row.
            try db.execute(sql: """
                CREATE TABLE logo (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    media_type TEXT NOT NULL,
                    bytes BLOB NOT NULL,
                    uploaded_by TEXT NOT NULL,
                    uploaded_at REAL NOT NULL
                )
                """)
        }
        migrator.registerMigration("0010-archive-jobs") { db in
            // The archive queue: one row per archived transfer, written with its finalize. `sealed_key` holds the
            // transfer key (sealed with the server key) in plain mode only, until the copy is confirmed.
            try db.execute(sql: """
                CREATE TABLE archive_jobs (
                    tracking_id TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    entries_json TEXT NOT NULL,
                    sealed_key BLOB,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    archived_at REAL
                );
                CREATE INDEX archive_jobs_due ON archive_jobs(state, next_attempt_at);
                """)
        }
        migrator.registerMigration("0011-task-runs") { db in
            // The scheduler's runs; a `running` row is also the task's lease (`TaskRunRepository`).
            try db.execute(sql: """
                CREATE TABLE task_runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    task TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    lease_until REAL NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT,
                    trigger TEXT NOT NULL,
                    node TEXT NOT NULL
                );
                CREATE INDEX task_runs_by_task ON task_runs(task, id);
                """)
        }
        migrator.registerMigration("0012-update-check") { db in
            // The update check's state (one row) and the versions already mailed to the administrators.
            try db.execute(sql: """
                CREATE TABLE update_check (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    last_accepted_issued_at REAL,
                    last_checked_at REAL,
                    last_accepted_at REAL,
                    available_json TEXT,
                    failure_reason TEXT,
                    failed_at REAL
                );
                CREATE TABLE update_announcements (
                    version TEXT PRIMARY KEY NOT NULL,
                    announced_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("0013-retention") { db in
            // Retention (docs/retention.md). Audit rows from now on hash a digest of their details (link 2), so the
            // details can be purged while the chain still verifies; older rows keep link 1 and their details. The
            // triggers allow one update only: clearing the details of a link-2 row, nothing else.
            // Statistics of a month are frozen before its first purge, so the numbers shown stay the same.
            try db.execute(sql: """
                ALTER TABLE audit_log ADD COLUMN link INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE audit_log ADD COLUMN details_digest TEXT;
                ALTER TABLE audit_log ADD COLUMN details_purged_at REAL;
                CREATE INDEX audit_log_by_target ON audit_log(target);
                DROP TRIGGER audit_log_no_update;
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    WHEN NOT (OLD.link = 2 AND OLD.details_purged_at IS NULL AND NEW.details_purged_at IS NOT NULL
                              AND NEW.old_value IS NULL AND NEW.new_value IS NULL
                              AND NEW.id IS OLD.id AND NEW.at_ms IS OLD.at_ms AND NEW.actor IS OLD.actor AND NEW.action IS OLD.action
                              AND NEW.target IS OLD.target AND NEW.previous_hash IS OLD.previous_hash AND NEW.hash IS OLD.hash
                              AND NEW.link IS OLD.link AND NEW.details_digest IS OLD.details_digest)
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TABLE statistics_months (
                    month TEXT PRIMARY KEY NOT NULL,
                    transfers INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    senders INTEGER NOT NULL,
                    recipients INTEGER NOT NULL,
                    frozen_at REAL NOT NULL
                );
                CREATE INDEX transfers_by_updated ON transfers(state, updated_at);
                CREATE INDEX outbox_by_created ON outbox(created_at);
                """)
        }
        return migrator
    }
}
