import Crypto
import Foundation
import Logging
import SealdropCore
import SealdropCrypto
import Synchronization

/// A recipient's unlocked transfer: everything needed to stream its files.
public struct DownloadAccess: Sendable {
    public var transfer: TransferRecord
    public var recipient: RecipientRecord
    /// The transfer's files that can be downloaded, in registration order.
    public var files: [FileRecord]
    let transferKey: TransferKey
}

/// The recipient's side: password check with download protection, file streams, download records.
///
/// A request without a password changes nothing and counts nothing (mail scanners open links too);
/// only a presented wrong password counts towards the lock or deletion.
public struct DownloadService: Sendable {
    let transfers: any TransferRepository
    let outbox: any OutboxRepository
    let blobs: any BlobStore
    public let settings: SettingsStore
    let notifications: Notifications
    let kdf: KeyDerivationRunner
    let unlocked: UnlockCache
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        transfers: any TransferRepository, outbox: any OutboxRepository, blobs: any BlobStore, settings: SettingsStore,
        notifications: Notifications, kdf: KeyDerivationRunner, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.transfers = transfers
        self.outbox = outbox
        self.blobs = blobs
        self.settings = settings
        self.notifications = notifications
        self.kdf = kdf
        self.unlocked = UnlockCache()
        self.logger = logger
        self.now = now
    }

    /// Checks the password for a recipient's transfer id and returns the unlocked transfer.
    ///
    /// The lock and the transfer's state are checked again once the key derivation is done, whatever its
    /// outcome: a request that was waiting for a KDF thread when a lock or deletion took effect gets no further.
    public func open(_ transferId: TransferID, password: String?) async throws -> DownloadAccess {
        let before = try await current(transferId)
        guard let password, !password.isEmpty else { throw SealdropError.missing("X-CS-Password") }
        guard password.utf8.count <= 1024 else { throw SealdropError.wrongPassword }
        let wrapped = try WrappedKey(serialized: before.wrappedKey)
        let cacheKey = UnlockCache.key(transferId: transferId, password: password, salt: wrapped.salt)
        if let cached = unlocked.get(cacheKey, now: now()) {
            return try await access(before.transfer, before.recipient, cached)
        }
        let tk: TransferKey
        do {
            let context = before.transfer.trackingId.rawValue
            tk = try await kdf.run { try PasswordKeyWrap.unwrap(wrapped, password: password, context: context) }
        } catch PasswordKeyWrapError.wrongPassword {
            let after = try await current(transferId)
            try await failedAttempt(transfer: after.transfer, recipient: after.recipient)
            throw SealdropError.wrongPassword
        }
        let after = try await current(transferId)
        unlocked.put(cacheKey, tk, now: now())
        return try await access(after.transfer, after.recipient, tk)
    }

    /// The recipient and its transfer as stored now: 404/2003 unless the transfer is active and unexpired, 403/2005 while locked.
    func current(_ transferId: TransferID) async throws -> (transfer: TransferRecord, recipient: RecipientRecord, wrappedKey: [UInt8]) {
        guard let recipient = try await transfers.recipient(transferId),
              let transfer = try await transfers.transfer(recipient.trackingId) else { throw SealdropError.notFound("The transfer") }
        guard RetrievalState(transfer, now: now()) == .available, let wrappedKey = transfer.wrappedKey else {
            throw SealdropError.notFound("The transfer")
        }
        if let until = recipient.lockedUntil, until > now() { throw SealdropError.locked }
        return (transfer, recipient, wrappedKey)
    }

    /// Whether a recipient's transfer id can be retrieved, or why not, for the recipient's pages.
    ///
    /// Reads only: no password is involved and nothing is counted, so a link opened by a mail scanner
    /// learns no more than the link itself carries. `open` still answers 404 for every state but `available`.
    public func retrievalState(_ transferId: TransferID) async throws -> RetrievalState {
        guard let recipient = try await transfers.recipient(transferId) else { return .unavailable }
        return RetrievalState(try await transfers.transfer(recipient.trackingId), now: now())
    }

    /// The unlocked transfer after a correct password; clears the failure count.
    func access(_ transfer: TransferRecord, _ recipient: RecipientRecord, _ tk: TransferKey) async throws -> DownloadAccess {
        if recipient.failedAttempts > 0 { try await transfers.resetFailedAttempts(recipient.transferId) }
        let files = try await transfers.files(of: transfer.trackingId).filter { $0.state == .active }
        return DownloadAccess(transfer: transfer, recipient: recipient, files: files, transferKey: tk)
    }

    /// Counts a wrong password; at the limit locks the recipient (403/2005) or deletes the transfer (410/2006).
    ///
    /// A guess that lands while the recipient is locked does not count; only the request that takes the
    /// lock or ends the transfer queues the alerts, so one lock or deletion means one set of mails.
    func failedAttempt(transfer: TransferRecord, recipient: RecipientRecord) async throws {
        let protection = settings.current.downloadProtection
        let date = now()
        guard let count = try await transfers.recordFailedAttempt(recipient.transferId, now: date) else { throw SealdropError.locked }
        logger.notice("download.password.wrong", metadata: ["transfer.ref": "\(recipient.transferId.logRef)", "attempts": "\(count)"])
        guard count >= protection.maxAttempts else { return }
        let deleted = protection.action == .delete
        let alert = { (address: String, admin: Bool) in
            notifications.downloadProtectionAlert(transfer: transfer, recipient: recipient, deleted: deleted, lockMinutes: protection.lockMinutes,
                                                  to: address, toAdministrator: admin, now: date)
        }
        let alerts = [alert(transfer.senderEmail.address, false)] + protection.adminEmails.map { alert($0, true) }
        if deleted {
            guard try await transfers.endTransfer(transfer.trackingId, state: .deletedBySecurity, mails: alerts) else {
                throw SealdropError.notFound("The transfer")
            }
            try? blobs.removeAll(trackingId: transfer.trackingId)
            unlocked.removeAll()
            logger.warning("download.protection.deleted", metadata: ["tracking.id": "\(transfer.trackingId)"])
            throw SealdropError.deletedByThisRequest
        }
        let until = date.addingTimeInterval(TimeInterval(protection.lockMinutes * 60))
        if try await transfers.lock(recipient.transferId, until: until, now: date, mails: alerts) {
            logger.warning("download.protection.locked", metadata: ["transfer.ref": "\(recipient.transferId.logRef)"])
        }
        throw SealdropError.locked
    }

    /// A reader for one file of an unlocked transfer.
    public func reader(_ access: DownloadAccess, fileId: FileID) throws -> PlaintextReader {
        guard access.files.contains(where: { $0.fileId == fileId }) else { throw SealdropError.notFound("The file") }
        let handle = try blobs.open(trackingId: access.transfer.trackingId, fileId: fileId)
        return try PlaintextReader(handle: handle, key: access.transferKey.fileKey(fileId: fileId.rawValue))
    }

    /// The retrievals of this recipient (never another recipient's), oldest first.
    public func downloads(of access: DownloadAccess) async throws -> [DownloadEvent] {
        try await transfers.downloads(of: access.transfer.trackingId).filter { $0.transferId == access.recipient.transferId }
    }

    /// Records retrievals and, on a recipient's first retrieval of a file, tells the sender if asked to.
    public func recordDownload(_ access: DownloadAccess, fileIds: [FileID], method: RetrievalMethod = .downloaded) async throws {
        let earlier = try await transfers.downloads(of: access.transfer.trackingId).filter { $0.transferId == access.recipient.transferId }
        let date = now()
        var firstNames: [String] = []
        for fileId in fileIds {
            if !earlier.contains(where: { $0.fileId == fileId }) {
                firstNames.append(access.files.first { $0.fileId == fileId }?.fileName ?? "")
            }
            try await transfers.recordDownload(DownloadEvent(transferId: access.recipient.transferId, fileId: fileId, date: date, method: method))
        }
        if access.transfer.settings.sendDownloadNotifications && !firstNames.isEmpty {
            let name = firstNames.count == 1 ? firstNames[0] : nil
            try await outbox.enqueue([notifications.downloadNotification(transfer: access.transfer, recipient: access.recipient, fileName: name, now: date)])
        }
    }

    /// Records the recipient's first retrieval of each of `fileIds` it has no record of yet, in one
    /// `recordDownload` (so at most one notification); returns the files it recorded.
    ///
    /// Called before the first bytes of files are served to a recipient (a byte range, or a response that
    /// may break off): taking a file in pieces (`Range: bytes=N-` after an aborted download, or an archive
    /// cut off before its end) leaves the same record and sender notification as one whole download, and
    /// later pieces add nothing.
    @discardableResult
    public func recordFirstRetrieval(_ access: DownloadAccess, fileIds: [FileID]) async throws -> Set<FileID> {
        let earlier = Set(try await downloads(of: access).map(\.fileId))
        let first = fileIds.filter { !earlier.contains($0) }
        guard !first.isEmpty else { return [] }
        try await recordDownload(access, fileIds: first)
        return Set(first)
    }
}

/// Recently unlocked transfer keys, so a client fetching several files pays for the password KDF once.
///
/// Keyed by a hash of (transfer id, password, salt); entries live five minutes; bounded in size.
final class UnlockCache: Sendable {
    private struct Entry {
        var key: TransferKey
        var expires: Date
    }
    private let entries = Mutex<[[UInt8]: Entry]>([:])
    private let lifetime: TimeInterval = 300
    private let capacity = 1024

    static func key(transferId: TransferID, password: String, salt: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(transferId.rawValue.utf8))
        hasher.update(data: [0])
        hasher.update(data: salt)
        hasher.update(data: Array(password.utf8))
        return Array(hasher.finalize())
    }

    func get(_ key: [UInt8], now: Date) -> TransferKey? {
        entries.withLock { table in
            guard let entry = table[key], entry.expires > now else { return nil }
            return entry.key
        }
    }

    func put(_ key: [UInt8], _ value: TransferKey, now: Date) {
        entries.withLock { table in
            if table.count >= capacity { table = table.filter { $0.value.expires > now } }
            if table.count >= capacity { table.removeAll() }
            table[key] = Entry(key: value, expires: now.addingTimeInterval(lifetime))
        }
    }

    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
