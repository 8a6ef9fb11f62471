import Foundation
import Testing
import SealdropCore
import SealdropStore
#if canImport(Glibc)
import Glibc
#endif

/// Everything the repository contract needs from one backend.
typealias Repositories = any TransferRepository & VerificationRepository & OutboxRepository

/// A temporary directory removed when the value is released.
final class TemporaryDirectory {
    /// The directory's path.
    let path: String

    /// Creates a fresh directory under the system temp dir.
    init() throws {
        path = NSTemporaryDirectory() + "sealdrop-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the directory.
    func file(_ name: String) -> String { path + "/" + name }
}

/// The backends the repository contract runs on.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case inMemory
    case file

    /// A fresh, migrated database of this kind; `directory` keeps a file database's folder alive.
    func make() async throws -> (repositories: Repositories, database: SealdropDatabase, directory: TemporaryDirectory?) {
        switch self {
        case .inMemory:
            let db = try SealdropDatabase.inMemory(bodySealer: ReversingSealer())
            return (db, db, nil)
        case .file:
            let dir = try TemporaryDirectory()
            let db = try SealdropDatabase.open(path: dir.file("sealdrop.sqlite"), bodySealer: ReversingSealer())
            return (db, db, dir)
        }
    }

    var testDescription: String { rawValue }
}


/// Builders of domain values with every field set, on whole-second dates.
enum Fixture {
    /// A fixed whole-second instant all tests count from.
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    static func email(_ s: String) -> EmailAddress { EmailAddress(s)! }

    static let alice = email("alice@example.org")
    static let bob = email("bob@example.net")
    static let carol = email("carol@example.com")
    static let dave = email("dave@example.com")

    /// A new tracking id stamped with `date`.
    static func trackingId(_ date: Date = t0) -> TrackingID { TrackingID.random(at: date) }

    /// An open session with every optional field filled in.
    static func session(
        _ trackingId: TrackingID = trackingId(), sender: EmailAddress = alice, recipients: RecipientList = RecipientList(to: [bob], cc: [carol], bcc: [dave]),
        state: TransferState = .open, createdAt: Date = t0, expiresAt: Date = t0.addingTimeInterval(14 * 86400)
    ) -> TransferRecord {
        TransferRecord(
            trackingId: trackingId, senderEmail: sender, sender: SenderContact(name: "Alice Ämsig", phone: "+49 30 1234"),
            recipients: recipients,
            settings: TransferSettings(
                expirationDate: expiresAt, passwordMode: .manual,
                notificationMessage: NotificationMessage(subject: "Quarterly report ✓", body: "Hello,\nsee attached.\n"),
                senderLanguage: "de", recipientLanguage: "en-GB", sendDownloadNotifications: true, sendDownloadSummary: false,
                sendRecipientNotification: true, sendUploadSummary: false, showFileNames: false, showZipFileContent: true,
                fileChecksumAlgorithm: "SHA256", classificationId: "confidential", confidentialMessageFileId: FileID(rawValue: "Abcdef1234")
            ),
            state: state, creatorTokenHash: Array(0..<32), clientId: "client-0001",
            createdAt: createdAt, updatedAt: createdAt, finalizedAt: nil,
            sessionSealedKey: [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01], wrappedKey: nil, sealedPassword: [9, 8, 7, 0, 255],
            senderIP: "2001:db8::1"
        )
    }

    /// A registered file of a session.
    static func file(_ trackingId: TrackingID, name: String, size: Int64 = 1234, at date: Date = t0) -> FileRecord {
        FileRecord(trackingId: trackingId, fileId: FileID.random(), fileName: name, size: size,
                   declaredChecksum: String(repeating: "ab", count: 32), createdAt: date)
    }

    /// A queued mail with every field set.
    static func mail(_ kind: String = "test", to: String = "bob@example.net", at date: Date = t0, trackingId: TrackingID? = nil) -> OutboxMessage {
        OutboxMessage(kind: kind, envelopeFrom: "sealdrop@example.org", envelopeTo: [to, "cc@example.org"], subject: "Subject \(kind)",
                      message: Array("Subject: x\r\n\r\nbody \(kind)\r\n".utf8), createdAt: date, trackingId: trackingId?.rawValue)
    }

    /// The recipients a session's recipient list turns into at finalize.
    static func recipients(of session: TransferRecord) -> [RecipientRecord] {
        session.recipients.all.map {
            RecipientRecord(transferId: TransferID.random(), trackingId: session.trackingId, email: $0.address, kind: $0.kind)
        }
    }

    /// The record as finalize would store it: ACTIVE, key wrapped, server-sealed key gone.
    static func finalized(_ session: TransferRecord, at date: Date = t0.addingTimeInterval(60)) -> TransferRecord {
        var t = session
        t.state = .active
        t.finalizedAt = date
        t.updatedAt = date
        t.wrappedKey = Array(repeating: 0x42, count: 80)
        t.sessionSealedKey = nil
        t.sealedPassword = nil
        return t
    }
}

/// The permission bits of a path.
func permissions(_ path: String) -> mode_t? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return st.st_mode & 0o777
}

/// A reversible stand-in for the server-key sealer (the store has no crypto): a marker, then the bytes reversed
/// and inverted, so a stored body never holds the message as it is.
struct ReversingSealer: MailBodySealing {
    static let marker: [UInt8] = Array("TST1".utf8)

    func seal(_ body: [UInt8]) throws -> [UInt8] { Self.marker + body.reversed().map { ~$0 } }

    func open(_ stored: [UInt8]) throws -> [UInt8] {
        guard stored.starts(with: Self.marker) else { return stored }
        return stored.dropFirst(Self.marker.count).reversed().map { ~$0 }
    }
}
