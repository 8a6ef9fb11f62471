import Foundation
import SealdropCore
import SealdropServices

/// The JSON bodies of the admin API, one per answer; `JSONResponse` writes their keys sorted.
extension AdminAPIController {
    /// `GET /admin/api/status`.
    struct StatusBody: Encodable {
        /// Outbox counts by state.
        struct Outbox: Encodable { let queued: Int; let sent: Int; let failed: Int }
        /// A recent change of where mail goes.
        struct RoutingChange: Encodable { let at: String; let actor: String; let settings: [String] }

        let version: String
        let uptimeSeconds: Int
        let dataDirectory: String
        let outbox: Outbox
        let mailRelay: String
        let derivationsWaiting: Int
        let updateStatus: String
        let update: Update
        /// Left out when the file system does not tell.
        let freeBytes: Int64?
        let mailCapturedTo: Nullable<String>
        let mailRoutingChanges: [RoutingChange]
        let directory: Directory

        /// The directory's health: `failing` while the last request failed.
        struct Directory: Encodable {
            /// A failure: when, and why (naming `host:port`).
            struct Failure: Encodable { let at: String; let message: String }
            let enabled: Bool
            let failing: Bool
            let lastFailure: Nullable<Failure>
            let lastSuccessAt: Nullable<String>
        }

        /// The update check: `state` is off, not-checked, up-to-date, available or failed (`docs/updates.md`).
        struct Update: Encodable {
            /// A release the last accepted manifest offered.
            struct Release: Encodable { let version: String; let severity: String; let released: String; let notes: String }
            /// Why the last check failed, and when.
            struct Failure: Encodable { let reason: String; let at: String }
            let state: String
            let text: String
            let available: Nullable<Release>
            let lastFailure: Nullable<Failure>
            let lastCheckedAt: Nullable<String>

            init(_ u: UpdateStatus) {
                state = u.kind.rawValue
                text = u.text
                available = Nullable(u.available.map {
                    Release(version: $0.version, severity: $0.severity.rawValue, released: APIDate.format($0.released), notes: $0.notes)
                })
                lastFailure = Nullable(u.failure.map { Failure(reason: $0.reason, at: APIDate.format($0.at)) })
                lastCheckedAt = Nullable(u.lastCheckedAt.map { APIDate.format($0) })
            }
        }

        init(_ r: StatusReport) {
            version = r.version
            uptimeSeconds = r.uptimeSeconds
            dataDirectory = r.dataDirectory
            outbox = Outbox(queued: r.outboxQueued, sent: r.outboxSent, failed: r.outboxFailed)
            mailRelay = r.mailRelay
            derivationsWaiting = r.derivationsWaiting
            updateStatus = r.updateStatus
            update = Update(r.update)
            freeBytes = r.freeBytes
            mailCapturedTo = Nullable(r.mailCapturedTo)
            mailRoutingChanges = r.mailRoutingChanges.map {
                RoutingChange(at: APIDate.format($0.at), actor: $0.actor, settings: $0.target.split(separator: ",").map(String.init))
            }
            directory = Directory(enabled: r.directory.enabled, failing: r.directory.isFailing,
                                  lastFailure: Nullable(r.directory.lastFailure.map { Directory.Failure(at: APIDate.format($0.at), message: $0.message) }),
                                  lastSuccessAt: Nullable(r.directory.lastSuccessAt.map { APIDate.format($0) }))
        }
    }

    /// `POST /admin/api/directory/check`.
    struct DirectoryCheckBody: Encodable {
        let ok: Bool
        let steps: [DirectoryCheckStep]
    }

    /// `GET /admin/api/settings`.
    struct SettingsBody: Encodable {
        let settings: JSONValue
        let pinned: [String]
        let sections: [String]
    }

    /// The settings document as the API shows it: every key, the relay's password redacted, the directory's left empty.
    static func document(_ settings: SealdropSettings) throws -> JSONValue {
        var shown = settings
        shown.mail.relayURL = RelayURL.redacted(shown.mail.relayURL)
        shown.directory.bindPassword = ""
        shown.archive.password = ""
        shown.archive.privateKey = ""
        shown.archive.privateKeyPassphrase = ""
        return try JSONValue(encoding: shown)
    }

    /// A row of `GET /admin/api/transfers`.
    struct TransferRow: Encodable {
        let trackingId: String
        let sender: String
        let senderIP: Nullable<String>
        let state: String
        let created: String
        let expires: String
        let recipients: Int
        let files: Int
        let size: Int64
        let notificationFailed: Bool
        /// The archive copy's state (`pending`, `archived`, `failed`), null when the transfer is not archived.
        let archive: Nullable<String>
        let archivingFailed: Bool

        init(_ row: TransferLogRow) {
            trackingId = row.trackingId
            sender = row.senderEmail
            archive = Nullable(row.archiveState?.rawValue)
            archivingFailed = row.archivingFailed
            senderIP = Nullable(row.senderIP)
            state = row.state.rawValue
            created = APIDate.format(row.createdAt)
            expires = APIDate.format(row.expiresAt)
            recipients = row.recipientCount
            files = row.fileCount
            size = row.totalSize
            notificationFailed = row.notificationFailed
        }
    }

    /// A month of `GET /admin/api/statistics`.
    struct Month: Encodable {
        let month: String
        let transfers: Int
        let bytes: Int64
        let distinctSenders: Int
        let distinctRecipients: Int

        init(_ m: MonthlyStatistics) {
            month = m.month
            transfers = m.transfers
            bytes = m.bytes
            distinctSenders = m.distinctSenders
            distinctRecipients = m.distinctRecipients
        }
    }

    /// A message of `GET /admin/api/outbox`.
    struct OutboxRow: Encodable {
        let id: Int64
        let kind: String
        let to: [String]
        let subject: String
        let state: String
        let attempts: Int
        let created: String
        let lastError: Nullable<String>

        init(_ m: OutboxMessage) {
            id = m.id ?? 0
            kind = m.kind
            to = m.envelopeTo
            subject = m.subject
            state = m.state.rawValue
            attempts = m.attempts
            created = APIDate.format(m.createdAt)
            lastError = Nullable(m.lastError)
        }
    }

    /// An entry of `GET /admin/api/audit`.
    struct AuditRow: Encodable {
        let id: Int64
        let at: String
        let actor: String
        let action: String
        let target: String
        let oldValue: Nullable<String>
        let newValue: Nullable<String>
        let previousHash: String
        let hash: String
        /// 1: the details are hashed; 2: their digest (`detailsDigest`) is, so they can be purged (`docs/retention.md`).
        let link: Int
        let detailsDigest: Nullable<String>
        /// When retention purged the details, else null.
        let detailsPurgedAt: Nullable<String>

        init(_ e: AuditEntry) {
            id = e.id
            at = APIDate.format(e.at)
            actor = e.actor
            action = e.action
            target = e.target
            oldValue = Nullable(e.oldValue)
            newValue = Nullable(e.newValue)
            previousHash = e.previousHash
            hash = e.hash
            link = e.link
            detailsDigest = Nullable(e.detailsDigest)
            detailsPurgedAt = Nullable(e.detailsPurgedAt.map { APIDate.format($0) })
        }
    }

    /// `GET /admin/api/audit/verify`: `rows` when intact, the first broken row and why otherwise.
    struct AuditCheck: Encodable {
        let intact: Bool
        var rows: Int?
        var firstBrokenId: Int64?
        var reason: String?
    }

    /// `GET /admin/api/admins`: the accounts and the API tokens (never the tokens themselves).
    struct AdminsBody: Encodable {
        let admins: [AdminRow]
        let tokens: [TokenRow]
    }

    /// An API token of `GET /admin/api/admins`.
    struct TokenRow: Encodable {
        let id: Int64
        let label: String
        let role: String
        let createdBy: String
        let createdAt: String
        let lastUsedAt: Nullable<String>

        init(_ t: AdminAPIToken) {
            id = t.id ?? 0
            label = t.label
            role = t.role.rawValue
            createdBy = t.createdBy
            createdAt = APIDate.format(t.createdAt)
            lastUsedAt = Nullable(t.lastUsedAt.map { APIDate.format($0) })
        }
    }

    /// An account of `GET /admin/api/admins`.
    struct AdminRow: Encodable {
        let name: String
        let role: String
        let disabled: Bool
        let locked: Bool
        let lastLogin: Nullable<String>

        init(_ a: AdminAccount) {
            name = a.name
            role = a.role.rawValue
            disabled = a.disabled
            locked = a.lockedUntil.map { $0 > Date() } ?? false
            lastLogin = Nullable(a.lastLoginAt.map { APIDate.format($0) })
        }
    }
}
