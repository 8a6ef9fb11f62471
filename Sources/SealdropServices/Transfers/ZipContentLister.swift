import Crypto
import Logging
import SealdropCore
import SealdropCrypto
import SealdropFormats

/// Lists the entry names of a transfer's ZIP files at finalize (`showZipFileContent`), reading only each
/// archive's tail and central directory through `PlaintextReader`, never the whole file.
///
/// Best effort by design: a file that is not a ZIP, or is damaged, truncated, too large a directory or
/// unreadable, gets no listing and a debug line; finalize never fails or waits on it.
struct ZipContentLister: Sendable {
    /// Names listed per ZIP; the rest are counted ("and N more").
    static let maxNames = 200
    /// The largest central directory read (bytes).
    static let maxDirectorySize = 1024 * 1024
    /// Characters of one name shown; longer names end in "…".
    static let maxNameLength = 160

    let blobs: any BlobStore
    let logger: Logger

    /// The listings of the files named `*.zip`, by file id; files without one are absent.
    func listings(of files: [FileRecord], transferKey: TransferKey) -> [FileID: ZipListing] {
        var listings: [FileID: ZipListing] = [:]
        for file in files where Self.isZipName(file.fileName) {
            do {
                let handle = try blobs.open(trackingId: file.trackingId, fileId: file.fileId)
                let reader = try PlaintextReader(handle: handle, key: transferKey.fileKey(fileId: file.fileId.rawValue))
                listings[file.fileId] = try Self.listing(reader)
            } catch let failure as ZipDirectoryListing.Failure {
                logger.debug("finalize.zip.unlisted", metadata: ["file.id": "\(file.fileId)", "reason": "\(failure.reason)"])
            } catch {
                logger.debug("finalize.zip.unreadable", metadata: ["file.id": "\(file.fileId)", "error.type": "\(type(of: error))"])
            }
        }
        return listings
    }

    /// Only names ending in `.zip` are opened: other formats built on ZIP (docx, jar, odt) hold parts, not
    /// files a recipient would want listed, and any other file costs nothing.
    static func isZipName(_ name: String) -> Bool {
        name.lowercased().hasSuffix(".zip")
    }

    /// The listing of one archive: its tail, then its central directory.
    static func listing(_ reader: PlaintextReader) throws -> ZipListing {
        let size = reader.size
        let tailLength = min(size, Int64(ZipDirectoryListing.maxTailSize))
        let tail = try read(reader, size - tailLength..<size)
        let location = try ZipDirectoryListing.locate(tail: tail, archiveSize: size, maxDirectorySize: maxDirectorySize)
        let range = location.offset..<location.offset + Int64(location.size)
        // The directory usually sits inside the tail already read.
        let directory = range.lowerBound >= size - tailLength
            ? Array(tail[Int(range.lowerBound - (size - tailLength))..<Int(range.upperBound - (size - tailLength))])
            : try read(reader, range)
        let found = try ZipDirectoryListing.names(directory: directory, entryCount: location.entryCount, maxNames: maxNames)
        let names = found.names.map(shown)
        return ZipListing(names: names, more: found.fileCount - names.count)
    }

    /// A name on one line, cut to `maxNameLength` characters.
    static func shown(_ name: String) -> String {
        let line = DisplayText.singleLine(name)
        guard line.count > maxNameLength else { return line.isEmpty ? "?" : line }
        return String(line.prefix(maxNameLength - 1)) + "…"
    }

    /// The plaintext bytes of `range`, one segment decrypted at a time.
    static func read(_ reader: PlaintextReader, _ range: Range<Int64>) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        var chunks = try reader.chunks(range: range)
        while let chunk = try chunks.next() { bytes += chunk }
        return bytes
    }
}
