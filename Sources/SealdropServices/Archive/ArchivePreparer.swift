import Crypto
import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Prepares a transfer's archive copy at finalize, while the transfer key is still at hand, so the copy can be made
/// hours later without keeping anything a copy of the data dir could open beyond what the archive itself holds
/// (`docs/archiving.md`):
/// - **age mode**: every file, the metadata and the EML are encrypted to the archive's age recipients into the
///   spool; no transfer key is kept.
/// - **plain mode**: the spool gets hard links of the transfer's encrypted blobs and the metadata/EML sealed under
///   keys derived from the transfer key; the job keeps the transfer key sealed with the server key until the archive
///   confirmed the copy (then it is wiped and the spool deleted).
public struct ArchivePreparer: Sendable {
    /// What the copy is made of, for the preparer.
    public struct Input: Sendable {
        public var transfer: TransferRecord
        public var files: [FileRecord]
        public var recipients: [RecipientRecord]
        public var transferKey: TransferKey
        /// The recipient notification as sent (RFC 5322), for `eml`.
        public var notification: [UInt8]?
        /// The names of the policy rules that matched.
        public var rules: [String]
        public var now: Date

        public init(transfer: TransferRecord, files: [FileRecord], recipients: [RecipientRecord], transferKey: TransferKey,
                    notification: [UInt8]?, rules: [String], now: Date) {
            self.transfer = transfer
            self.files = files
            self.recipients = recipients
            self.transferKey = transferKey
            self.notification = notification
            self.rules = rules
            self.now = now
        }
    }

    /// Key derivation labels of the metadata and EML entries in plain mode (files use their own file keys).
    static let metadataKeyLabel = "archive:metadata"
    static let emlKeyLabel = "archive:eml"
    static let messageKeyLabel = "archive:message"

    let spool: ArchiveSpool
    let blobs: any BlobStore
    let serverKey: ServerKey
    /// Threads for the blocking part: reading every file and, in age mode, encrypting it (seconds for a gigabyte must
    /// not hold one of the cooperative threads).
    let threads: FileSyncRunner
    let logger: Logger

    public init(spool: ArchiveSpool, blobs: any BlobStore, serverKey: ServerKey, threads: FileSyncRunner, logger: Logger) {
        self.spool = spool
        self.blobs = blobs
        self.serverKey = serverKey
        self.threads = threads
        self.logger = logger
    }

    /// The context the transfer key is sealed under in a plain-mode job (bound to its tracking id).
    static func keyContext(_ trackingId: TrackingID) -> String { "archive.transfer-key:" + trackingId.rawValue }

    /// Fills the spool folder of the transfer on a runner thread and returns its job (pending, due now). On error the
    /// folder is removed.
    public func prepare(_ input: Input, settings: ArchiveSettings) async throws -> ArchiveJob {
        try await threads.run { [self] in try prepareNow(input, settings: settings) }
    }

    /// `prepare`, on the calling thread.
    func prepareNow(_ input: Input, settings: ArchiveSettings) throws -> ArchiveJob {
        let trackingId = input.transfer.trackingId
        let tk = input.transferKey
        do {
            try spool.prepareFolder(trackingId)
            let messageId = input.transfer.settings.confidentialMessageFileId
            let files = input.files.filter { $0.fileId != messageId }
            let emlName = "notification.eml"
            let messageName = "confidential-message.eml"
            let names = ArchiveNames.distinct(files.map(\.fileName), taken: [settings.metadataFileName, emlName, messageName])
            let age = settings.mode == .age ? try settings.ageRecipients.map(AgeRecipient.init(parsing:)) : []
            let suffix = settings.mode == .age ? ".age" : ""
            var entries: [ArchiveJob.Entry] = []
            for (file, name) in zip(files, names) {
                let size: Int64
                let spoolFile: String
                if settings.mode == .age {
                    spoolFile = file.fileId.rawValue + ".age"
                    let reader = try PlaintextReader(handle: try blobs.open(trackingId: trackingId, fileId: file.fileId),
                                                     key: tk.fileKey(fileId: file.fileId.rawValue))
                    var chunks = try reader.chunks()
                    size = try Self.sealForAge(path: spool.path(trackingId, spoolFile), recipients: age) { try chunks.next() }
                } else {
                    spoolFile = file.fileId.rawValue + ".blob"
                    try blobs.export(trackingId: trackingId, fileId: file.fileId, to: spool.path(trackingId, spoolFile))
                    size = file.size
                }
                entries.append(ArchiveJob.Entry(kind: .file, name: name + suffix, spoolFile: spoolFile, fileId: file.fileId.rawValue, size: size))
            }
            var documents: [(ArchiveJob.Entry.Kind, String, String, [UInt8])] = []
            if settings.eml {
                if let notification = input.notification { documents.append((.eml, emlName, Self.emlKeyLabel, notification)) }
                if let messageId, let message = try confidentialMessage(input, fileId: messageId) {
                    documents.append((.eml, messageName, Self.messageKeyLabel, message))
                }
            }
            let metadataFiles = zip(files, names).map { ArchiveMetadata.File(name: $0.fileName, archivedAs: $1 + suffix, size: $0.size, checksum: $0.checksum ?? "") }
            let metadata = try ArchiveMetadata(template: settings.metadataTemplate)
                .render(transfer: input.transfer, recipients: input.recipients, files: metadataFiles, rules: input.rules, mode: settings.mode, sentAt: input.now)
            documents.append((.metadata, settings.metadataFileName, Self.metadataKeyLabel, metadata))
            for (kind, name, label, bytes) in documents {
                let spoolFile = label.replacingOccurrences(of: ":", with: "-") + (settings.mode == .age ? ".age" : ".blob")
                let path = spool.path(trackingId, spoolFile)
                var size = Int64(bytes.count)
                if settings.mode == .age {
                    var pending: [UInt8]? = bytes
                    size = try Self.sealForAge(path: path, recipients: age) { defer { pending = nil }; return pending }
                } else {
                    try Self.sealForSpool(path: path, key: tk.fileKey(fileId: label), bytes: bytes)
                }
                entries.append(ArchiveJob.Entry(kind: kind, name: name + suffix, spoolFile: spoolFile, size: size))
            }
            try spool.synchronizeFolder(trackingId)
            let sealedKey = settings.mode == .plain ? try serverKey.sealSecret(tk.rawBytes, context: Self.keyContext(trackingId)) : nil
            return ArchiveJob(trackingId: trackingId, mode: settings.mode, entries: entries, sealedKey: sealedKey, nextAttemptAt: input.now, createdAt: input.now)
        } catch {
            spool.remove(trackingId)
            throw error
        }
    }

    /// The confidential message as an RFC 5322 message from the sender to the recipients (To and Cc; Bcc never shown).
    func confidentialMessage(_ input: Input, fileId: FileID) throws -> [UInt8]? {
        let reader = try PlaintextReader(handle: try blobs.open(trackingId: input.transfer.trackingId, fileId: fileId),
                                         key: input.transferKey.fileKey(fileId: fileId.rawValue))
        var text: [UInt8] = []
        var chunks = try reader.chunks()
        while let chunk = try chunks.next() { text += chunk }
        let to = input.recipients.filter { $0.kind != .bcc }.map(\.email.address)
        let builder = MailMessageBuilder(from: input.transfer.senderEmail.address, messageIdHost: "archive.sealdrop")
        let subject = input.transfer.settings.notificationMessage.subject.isEmpty ? "Confidential message" : input.transfer.settings.notificationMessage.subject
        return builder.build(to: to, subject: subject, body: String(decoding: text, as: UTF8.self), fromName: input.transfer.sender.name,
                             date: input.now)
    }

    /// Writes the age encryption of what `next` yields to `path`; returns the bytes written.
    static func sealForAge(path: String, recipients: [AgeRecipient], next: () throws -> [UInt8]?) throws -> Int64 {
        var encryptor = try AgeEncryptor(recipients: recipients)
        var written: Int64 = 0
        try ArchiveSpool.write(path: path) { emit in
            func put(_ bytes: [UInt8]) throws {
                written += Int64(bytes.count)
                try bytes.withUnsafeBytes(emit)
            }
            try put(encryptor.header())
            while let chunk = try next() { try put(try encryptor.update(chunk)) }
            try put(try encryptor.finish())
        }
        return written
    }

    /// Writes `bytes` in the blob format under `key` to `path`.
    static func sealForSpool(path: String, key: SymmetricKey, bytes: [UInt8]) throws {
        var encryptor = try BlobEncryptor(key: key)
        try ArchiveSpool.write(path: path) { emit in
            try encryptor.header.withUnsafeBytes(emit)
            try (encryptor.append(bytes) as [UInt8]).withUnsafeBytes(emit)
            try encryptor.finish().withUnsafeBytes(emit)
        }
    }
}
