import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Starting and continuing the upload of a registered file's content; the `FileUpload` it returns commits through
/// an `UploadCommitter`. Changes when the way bytes reach storage changes.
public struct UploadService: Sendable {
    let transfers: any TransferRepository
    let blobs: any BlobStore
    let keys: SessionKeys
    let committer: UploadCommitter
    let hashLanes: HashLane.Slots
    let segmentSize: Int
    let logger: Logger

    public init(
        transfers: any TransferRepository, blobs: any BlobStore, serverKey: ServerKey, fileSync: FileSyncRunner = FileSyncRunner(),
        hashLanes: HashLane.Slots, segmentSize: Int = BlobFormat.defaultSegmentSize, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.transfers = transfers
        self.blobs = blobs
        self.keys = SessionKeys(transfers: transfers, serverKey: serverKey, logger: logger)
        self.committer = UploadCommitter(transfers: transfers, fileSync: fileSync, now: now)
        self.hashLanes = hashLanes
        self.segmentSize = segmentSize
        self.logger = logger
    }

    /// Starts receiving a file's content; the caller writes the bytes and then calls `finish` or `abort`.
    ///
    /// A `resumable` upload (the web app's chunks) writes a temporary blob named by the file, which
    /// `resumeUpload` can continue after a restart; starting one empties an earlier one.
    public func beginUpload(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender, resumable: Bool = false) async throws -> FileUpload {
        let record = try await transfers.openSession(trackingId, by: sender)
        guard var file = try await transfers.files(of: trackingId).first(where: { $0.fileId == fileId }) else {
            throw SealdropError.notFound("The file")
        }
        let tk = try await keys.transferKey(of: record, by: sender)
        if file.state != .initialized {
            file.state = .initialized
            file.checksum = nil
            try await transfers.updateFile(file)
        }
        let encryptor = try BlobEncryptor(key: tk.fileKey(fileId: fileId.rawValue), segmentSize: segmentSize)
        let handle = resumable ? try blobs.beginResumableWrite(trackingId: trackingId, fileId: fileId) : try blobs.beginWrite()
        return try FileUpload(file: file, encryptor: encryptor, handle: handle, committer: committer, lanes: resumable ? nil : hashLanes)
    }

    /// Continues a resumable upload from what its temporary blob holds (see `FileUpload.resume`); nil when
    /// there is nothing to continue: no such blob, or the file is already uploaded.
    public func resumeUpload(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender) async throws -> FileUpload? {
        let record = try await transfers.openSession(trackingId, by: sender)
        guard let file = try await transfers.files(of: trackingId).first(where: { $0.fileId == fileId }) else {
            throw SealdropError.notFound("The file")
        }
        guard file.state == .initialized, record.sessionSealedKey != nil,
              let blob = try blobs.resumeWrite(trackingId: trackingId, fileId: fileId) else { return nil }
        let tk = try await keys.transferKey(of: record, by: sender)
        let upload = try FileUpload.resume(file: file, key: tk.fileKey(fileId: fileId.rawValue), reader: blob.reader, writer: blob.writer, committer: committer)
        logger.info("upload.resumed", metadata: ["file.ref": "\(fileId.logRef)", "received": "\(upload?.receivedBytes ?? 0)"])
        return upload
    }

    /// The file's record if `sender` owns the open session and the file belongs to it (404 otherwise).
    public func file(_ trackingId: TrackingID, fileId: FileID, by sender: VerifiedSender) async throws -> FileRecord {
        _ = try await transfers.openSession(trackingId, by: sender)
        guard let file = try await transfers.files(of: trackingId).first(where: { $0.fileId == fileId }) else { throw SealdropError.notFound("The file") }
        return file
    }
}
