import Foundation
import SealdropCore

extension MailModels {
    /// The daily digest of the transfer log to the administrators.
    struct Digest {
        /// One transfer of the digest's list.
        struct Row {
            let trackingId: String, sender: String, created: String, state: String
            let recipients: Int, files: Int
            let size: String
        }

        let periodStart: String, periodEnd: String
        let transfersSent: Int, files: Int
        let totalSize: String
        let downloads: Int, failedTransfers: Int, failedMails: Int
        let hasFailures: Bool
        let rows: [Row]
        let hasRows: Bool
    }
}

extension Notifications {
    /// The daily digest to `to` (one mail, every administrator a recipient): the counts of the period and its newest transfers.
    public func digest(totals: TransferLogTotals, rows: [TransferLogRow], since: Date, to: [String], language: String = "en", now: Date) -> OutboxMessage {
        message(.digest, language: language, context: digestContext(totals: totals, rows: rows, since: since, language: language, now: now),
                to: to, trackingId: nil, now: now)
    }

    func digestContext(totals: TransferLogTotals, rows: [TransferLogRow], since: Date, language: String, now: Date) -> TemplateContext {
        let lang = templates.language(for: language)
        let model = MailModels.Digest(
            periodStart: DisplayFormat.date(since, language: lang), periodEnd: DisplayFormat.date(now, language: lang),
            transfersSent: totals.transfersSent, files: totals.files, totalSize: DisplayFormat.size(totals.bytes, language: lang),
            downloads: totals.downloads, failedTransfers: totals.failedTransfers, failedMails: totals.failedMails,
            hasFailures: totals.failedTransfers + totals.failedMails > 0,
            rows: rows.map { row in
                MailModels.Digest.Row(trackingId: row.trackingId, sender: DisplayText.singleLine(row.senderEmail),
                                      created: DisplayFormat.date(row.createdAt, language: lang), state: row.state.rawValue,
                                      recipients: row.recipientCount, files: row.fileCount, size: DisplayFormat.size(row.totalSize, language: lang))
            },
            hasRows: !rows.isEmpty)
        return TemplateContext(model, base(language: language))
    }
}
