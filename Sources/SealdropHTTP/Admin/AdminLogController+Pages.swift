import Foundation
import SealdropCore
import SealdropServices

/// The page models of the transfer log, statistics, outbox and audit pages: exactly what each template shows.
extension AdminLogController {
    /// `log`: the filter form, one page of rows and the pager links.
    struct LogPage {
        /// The filter form's values, as entered.
        struct Filter {
            let sender: String, trackingId: String, transferId: String, recipient: String, fileName: String, ip: String
        }

        let filter: Filter
        let rows: [Row]
        let empty: Bool
        /// The pager links; absent on the first or last page.
        let previous: String?
        let next: String?
    }

    /// A row of the log table.
    struct Row {
        let trackingId: String, sender: String, ip: String, state: String
        let active: Bool
        let created: String, expires: String
        let recipients: Int, files: Int
        let size: String
        let notificationFailed: Bool
        let archivingFailed: Bool

        init(_ row: TransferLogRow) {
            trackingId = row.trackingId
            sender = row.senderEmail
            archivingFailed = row.archivingFailed
            ip = row.senderIP ?? ""
            state = row.state.rawValue
            active = row.state == .active
            created = APIDate.format(row.createdAt)
            expires = APIDate.format(row.expiresAt)
            recipients = row.recipientCount
            files = row.fileCount
            size = DisplayFormat.size(row.totalSize, language: "en")
            notificationFailed = row.notificationFailed
        }
    }

    /// `transfer`: whether the principal may delete it, beside the details (`TransferLogDetails.Body`).
    struct TransferPage {
        let canDelete: Bool
    }

    /// `outbox`: the counts by state and the recent messages.
    struct OutboxPage {
        /// A message of the outbox table.
        struct Message {
            let id: Int64, kind: String, to: String, subject: String, state: String
            let isFailed: Bool
            let attempts: Int
            let created: String, lastError: String
            let hasBody: Bool

            init(_ m: OutboxMessage) {
                id = m.id ?? 0
                kind = m.kind
                to = m.envelopeTo.joined(separator: ", ")
                subject = m.subject
                state = m.state.rawValue
                isFailed = m.state == .failed
                attempts = m.attempts
                created = APIDate.format(m.createdAt)
                lastError = m.lastError ?? ""
                hasBody = !m.message.isEmpty
            }
        }

        let queued: Int, sent: Int, failed: Int
        let capture: Bool
        let messages: [Message]
    }

    /// `outbox-message`: one stored message as text.
    struct OutboxMessagePage {
        let id: Int64, subject: String, to: String, state: String, source: String
        let hasBody: Bool
        let lastError: String
    }

    /// `audit`: the recent audit rows.
    struct AuditPage {
        /// An audit row, its hash shortened.
        struct Entry {
            let id: Int64, at: String, actor: String, action: String, target: String, old: String, new: String, hash: String
            /// Retention purged the details; the row and its link stay.
            let purged: Bool

            init(_ e: AuditEntry) {
                id = e.id
                at = APIDate.format(e.at)
                actor = e.actor
                action = e.action
                target = e.target
                old = e.oldValue ?? ""
                new = e.newValue ?? ""
                hash = String(e.hash.prefix(12))
                purged = e.detailsPurgedAt != nil
            }
        }

        let entries: [Entry]
    }
}

/// The log details as the transfer page and `GET /admin/api/transfers/{trackingId}` show them.
extension TransferLogDetails {
    /// The details of one transfer: the page's model and the API's body alike.
    struct Body: Encodable {
        /// A file of the transfer.
        struct File: Encodable { let name: String, id: String, size: String, checksum: String, state: String }
        /// A recipient with its downloads.
        struct Recipient: Encodable {
            let email: String, kind: String, transferId: String
            let downloads: Int
            let lastDownload: String
            let downloaded: Bool, locked: Bool
            let failedAttempts: Int
            let notificationFailed: Bool
        }

        let trackingId: String, sender: String, ip: String, state: String, created: String, finalized: String, expires: String
        let passwordMode: String
        let files: [File]
        let recipients: [Recipient]
        /// The archive copy: `pending` (with the last error once an attempt failed), `archived` or `failed`.
        let archive: Archive?

        /// A transfer's archive copy.
        struct Archive: Encodable {
            let state: String, attempts: Int, lastError: String, archivedAt: String
            let canRetry: Bool
        }

        init(_ d: TransferLogDetails) {
            archive = d.archive.map {
                Archive(state: $0.state.rawValue, attempts: $0.attempts, lastError: $0.lastError ?? "",
                        archivedAt: $0.archivedAt.map { APIDate.format($0) } ?? "", canRetry: $0.state != .archived)
            }
            let transfer = d.transfer
            trackingId = transfer.trackingId.rawValue
            sender = transfer.senderEmail.description
            ip = transfer.senderIP ?? ""
            state = transfer.state.rawValue
            created = APIDate.format(transfer.createdAt)
            finalized = transfer.finalizedAt.map { APIDate.format($0) } ?? ""
            expires = APIDate.format(transfer.settings.expirationDate)
            passwordMode = transfer.settings.passwordMode.rawValue
            files = d.files.map {
                File(name: DisplayText.singleLine($0.fileName), id: $0.fileId.rawValue, size: DisplayFormat.size($0.size, language: "en"),
                     checksum: $0.checksum ?? "", state: $0.state.rawValue)
            }
            recipients = d.recipients.map { r in
                let mine = d.downloads.filter { $0.transferId == r.transferId }
                return Recipient(email: r.email.description, kind: r.kind.rawValue, transferId: r.transferId.rawValue, downloads: mine.count,
                                 lastDownload: mine.map(\.date).max().map { APIDate.format($0) } ?? "", downloaded: !mine.isEmpty,
                                 locked: r.lockedUntil.map { $0 > Date() } ?? false, failedAttempts: r.failedAttempts,
                                 notificationFailed: r.notificationFailed)
            }
        }
    }
}
