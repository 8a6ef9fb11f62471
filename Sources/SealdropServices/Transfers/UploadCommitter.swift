import Foundation
import SealdropCore

/// What a finished `FileUpload` needs from outside: checking the file against its registration and the session,
/// committing the blob off the cooperative threads, and marking the file uploaded. It also runs the upload's
/// writeback jobs. Handed to each upload by `UploadService`, so an upload never calls back into a service.
struct UploadCommitter: Sendable {
    let transfers: any TransferRepository
    /// The file-sync threads: writebacks while bytes arrive, fsync and rename at the end.
    let fileSync: FileSyncRunner
    let now: @Sendable () -> Date

    /// Completes an upload whose bytes all arrived: verifies size and checksum, commits the blob, marks the file.
    func complete(_ file: FileRecord, checksum: String, handle: any BlobWriteHandle) async throws {
        if let declared = file.declaredChecksum, declared != checksum {
            handle.discard()
            throw SealdropError.malformed("The uploaded content does not match the registered checksum")
        }
        // The session may have been finalized or deleted while the bytes were arriving.
        guard let record = try await transfers.transfer(file.trackingId), record.state == .open,
              try await transfers.files(of: file.trackingId).contains(where: { $0.fileId == file.fileId }) else {
            handle.discard()
            throw SealdropError.notFound("The transfer session")
        }
        // fsync and rename wait for the disk: off the cooperative threads, which keep serving meanwhile.
        let committing = CommittingBlob(handle: handle)
        try await fileSync.run { try committing.handle.commit(trackingId: file.trackingId, fileId: file.fileId) }
        var done = file
        done.checksum = checksum
        done.state = .uploaded
        done.uploadedAt = now()
        try await transfers.updateFile(done)
    }
}

/// A finished upload's blob handed to the file-sync thread for its commit.
///
/// `@unchecked Sendable` is safe: the upload that owns the handle is suspended until the commit returns,
/// so exactly one thread uses the handle at any time.
private struct CommittingBlob: @unchecked Sendable {
    let handle: any BlobWriteHandle
}
