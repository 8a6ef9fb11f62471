import Foundation
import Hummingbird
import SealdropCore
import SealdropFormats
import SealdropServices

/// Streams the confidential message as an RFC 5322 message with the files attached (spec §8.5).
///
/// Attachments are base64-encoded segment by segment with a carry of at most two bytes, so memory
/// stays O(segment) whatever the file sizes.
struct EMLStream: Sendable {
    let access: DownloadAccess
    let messageFileId: FileID
    let attachments: [FileRecord]
    let downloads: DownloadService

    func write(to writer: inout any ResponseBodyWriter) async throws {
        // As for a ZIP: first retrievals are recorded before any bytes go out, the rest once complete.
        let fileIds = [messageFileId] + attachments.map(\.fileId)
        let recorded = (try? await downloads.recordFirstRetrieval(access, fileIds: fileIds)) ?? []
        let boundary = "sealdrop-" + FileID.random().rawValue + FileID.random().rawValue
        let t = access.transfer
        let subject = t.settings.notificationMessage.subject.isEmpty ? "Confidential message" : t.settings.notificationMessage.subject
        var header = "From: \(MailMessageBuilder.headerText(DisplayText.singleLine(t.sender.name))) <\(t.senderEmail.address)>\r\n"
        header += "To: \(access.recipient.email.address)\r\n"
        header += "Subject: \(MailMessageBuilder.headerText(subject))\r\n"
        header += "MIME-Version: 1.0\r\n"
        header += "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n"
        try await writer.write(ByteBuffer(string: header))
        let message = try downloads.reader(access, fileId: messageFileId)
        var head = try message.chunks(range: 0..<min(message.size, 512))
        let firstBytes = try head.next() ?? []
        let isHTML = String(decoding: firstBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("<")
        try await writer.write(ByteBuffer(string: "--\(boundary)\r\nContent-Type: text/\(isHTML ? "html" : "plain"); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"))
        try await Self.base64(message, to: &writer)
        for file in attachments {
            let name = FileName.sanitizedForDisplay(file.fileName)
            let part = "--\(boundary)\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Disposition: \(ContentDisposition.attachment(filename: name))\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n"
            try await writer.write(ByteBuffer(string: part))
            try await Self.base64(try downloads.reader(access, fileId: file.fileId), to: &writer)
        }
        try await writer.write(ByteBuffer(string: "--\(boundary)--\r\n"))
        let again = fileIds.filter { !recorded.contains($0) }
        if !again.isEmpty { try? await downloads.recordDownload(access, fileIds: again, method: .downloaded) }
    }

    /// Writes the reader's plaintext as base64 in 76-character lines.
    static func base64(_ reader: PlaintextReader, to writer: inout any ResponseBodyWriter) async throws {
        var carry: [UInt8] = []
        var chunks = try reader.chunks()
        while let chunk = try chunks.next() {
            var bytes = carry + chunk
            let usable = bytes.count - bytes.count % 57
            carry = Array(bytes[usable...])
            bytes.removeSubrange(usable...)
            if !bytes.isEmpty { try await writer.write(ByteBuffer(string: lines(bytes))) }
        }
        if !carry.isEmpty { try await writer.write(ByteBuffer(string: lines(carry))) }
    }

    /// Base64 of `bytes` in CRLF-terminated lines of 76 characters (57 input bytes).
    static func lines(_ bytes: [UInt8]) -> String {
        var out = ""
        var index = 0
        while index < bytes.count {
            let end = min(index + 57, bytes.count)
            out += Data(bytes[index..<end]).base64EncodedString() + "\r\n"
            index = end
        }
        return out
    }
}
