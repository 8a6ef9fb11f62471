import Foundation

/// One transfer session and, after finalize, the transfer it became (keyed by its tracking id).
public struct TransferRecord: Sendable, Equatable {
    public var trackingId: TrackingID
    public var senderEmail: EmailAddress
    public var sender: SenderContact
    public var recipients: RecipientList
    public var settings: TransferSettings
    public var state: TransferState
    /// SHA-256 of the verification token that created the session; only that token may use it.
    public var creatorTokenHash: [UInt8]
    public var clientId: String
    public var createdAt: Date
    public var updatedAt: Date
    public var finalizedAt: Date?
    /// The transfer key sealed under a key only the creator's verification token derives; present only before finalize.
    public var sessionSealedKey: [UInt8]?
    /// The transfer key wrapped with the password-derived key; present only after finalize.
    public var wrappedKey: [UInt8]?
    /// The transfer password sealed with a key derived from the creator's token (never in clear).
    public var sealedPassword: [UInt8]?
    /// IP address of the sender's client at creation.
    public var senderIP: String?
    /// Whether the relay finally refused the sender's upload summary (set by the outbox).
    public var senderNotificationFailed: Bool = false

    public init(
        trackingId: TrackingID, senderEmail: EmailAddress, sender: SenderContact, recipients: RecipientList,
        settings: TransferSettings, state: TransferState, creatorTokenHash: [UInt8], clientId: String,
        createdAt: Date, updatedAt: Date, finalizedAt: Date? = nil, sessionSealedKey: [UInt8]? = nil,
        wrappedKey: [UInt8]? = nil, sealedPassword: [UInt8]? = nil, senderIP: String? = nil
    ) {
        self.trackingId = trackingId
        self.senderEmail = senderEmail
        self.sender = sender
        self.recipients = recipients
        self.settings = settings
        self.state = state
        self.creatorTokenHash = creatorTokenHash
        self.clientId = clientId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finalizedAt = finalizedAt
        self.sessionSealedKey = sessionSealedKey
        self.wrappedKey = wrappedKey
        self.sealedPassword = sealedPassword
        self.senderIP = senderIP
    }
}

/// One file of a session or transfer.
public struct FileRecord: Sendable, Equatable {
    public var trackingId: TrackingID
    public var fileId: FileID
    public var fileName: String
    /// The registered size in bytes; an upload must match it exactly.
    public var size: Int64
    /// The checksum the client declared at registration (lower-case hex SHA-256), if any.
    public var declaredChecksum: String?
    /// The SHA-256 of the uploaded plaintext, lower-case hex; set once the upload completed.
    public var checksum: String?
    public var state: FileState
    public var createdAt: Date
    public var uploadedAt: Date?
    /// The entry names of a ZIP file, stored at finalize when the transfer shows ZIP content; nil otherwise.
    public var zipListing: ZipListing?

    public init(
        trackingId: TrackingID, fileId: FileID, fileName: String, size: Int64, declaredChecksum: String?,
        checksum: String? = nil, state: FileState = .initialized, createdAt: Date, uploadedAt: Date? = nil, zipListing: ZipListing? = nil
    ) {
        self.trackingId = trackingId
        self.fileId = fileId
        self.fileName = fileName
        self.size = size
        self.declaredChecksum = declaredChecksum
        self.checksum = checksum
        self.state = state
        self.createdAt = createdAt
        self.uploadedAt = uploadedAt
        self.zipListing = zipListing
    }
}

/// One recipient's view of a transfer, identified by its own transfer id.
public struct RecipientRecord: Sendable, Equatable {
    public var transferId: TransferID
    public var trackingId: TrackingID
    public var email: EmailAddress
    public var kind: RecipientKind
    public var failedAttempts: Int
    public var lockedUntil: Date?
    public var notificationFailed: Bool

    public init(
        transferId: TransferID, trackingId: TrackingID, email: EmailAddress, kind: RecipientKind,
        failedAttempts: Int = 0, lockedUntil: Date? = nil, notificationFailed: Bool = false
    ) {
        self.transferId = transferId
        self.trackingId = trackingId
        self.email = email
        self.kind = kind
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
        self.notificationFailed = notificationFailed
    }
}

/// One retrieval of one file by one recipient.
public struct DownloadEvent: Sendable, Equatable {
    public var transferId: TransferID
    public var fileId: FileID
    public var date: Date
    public var method: RetrievalMethod

    public init(transferId: TransferID, fileId: FileID, date: Date, method: RetrievalMethod) {
        self.transferId = transferId
        self.fileId = fileId
        self.date = date
        self.method = method
    }
}
