import Crypto
import Foundation
import Logging
import SealdropCore
import SealdropCrypto
@testable import SealdropServices
import SealdropStore
import Synchronization
import Testing

/// A clock the test moves by hand; every service reads it through its `now:` closure.
final class TestClock: Sendable {
    private let date: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) {
        date = Mutex(start)
    }

    /// The current test time.
    var now: Date { date.withLock { $0 } }

    /// The closure services take as `now:`.
    var closure: @Sendable () -> Date { { self.now } }

    /// Moves the clock forward by `seconds`.
    func advance(_ seconds: TimeInterval) {
        date.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// A temporary directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "sealdrop-services-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// One in-process Sealdrop back end: in-memory database, temp blob store, settings, server key, clock.
struct ServiceHarness {
    static let segmentSize = 64 * 1024

    let directory: TemporaryDirectory
    let database: SealdropDatabase
    let blobs: FileBlobStore
    let settings: SettingsStore
    let serverKey: ServerKey
    let notifications: Notifications
    let kdf: KeyDerivationRunner
    let clock: TestClock
    let logger = Logger(label: "sealdrop.tests")

    /// A harness on an in-memory database, or with `onDisk` on a SQLite file in the data dir as the server runs it.
    init(onDisk: Bool = false, _ configure: (inout SealdropSettings) -> Void = { _ in }) throws {
        directory = try TemporaryDirectory()
        serverKey = try ServerKey(key: SymmetricKey(size: .bits256))
        let sealer = MailBodySealer(serverKey: serverKey)
        try FileManager.default.createDirectory(atPath: directory.file("data"), withIntermediateDirectories: true)
        database = onDisk ? try SealdropDatabase.open(path: directory.file("data/sealdrop.sqlite"), bodySealer: sealer)
                          : try SealdropDatabase.inMemory(bodySealer: sealer)
        blobs = try FileBlobStore(directory: directory.file("data/store"))
        var s = SealdropSettings()
        configure(&s)
        settings = SettingsStore(s)
        notifications = Notifications(builder: MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org"), templates: try MailTemplates(),
                                      baseURL: "https://sealdrop.test")
        kdf = KeyDerivationRunner()
        clock = TestClock()
    }

    var blobRoot: String { directory.file("data/store") }
    /// The data dir: the database file (with `onDisk`) and the blob store.
    var dataDirectory: String { directory.file("data") }

    func verification() -> VerificationService {
        VerificationService(repository: database, settings: settings, notifications: notifications, logger: logger, now: clock.closure)
    }

    /// The transfer services, wired as the composition root wires them.
    func transfers(fileSync: FileSyncRunner = FileSyncRunner(), hashLanes: HashLane.Slots = HashLane.Slots(limit: 1)) -> TransferServices {
        TransferServices(
            sessions: TransferSessionService(transfers: database, blobs: blobs, settings: settings, logger: logger, now: clock.closure),
            uploads: UploadService(transfers: database, blobs: blobs, serverKey: serverKey, fileSync: fileSync, hashLanes: hashLanes,
                                   segmentSize: Self.segmentSize, logger: logger, now: clock.closure),
            finalizing: FinalizeService(transfers: database, blobs: blobs, serverKey: serverKey, settings: settings, notifications: notifications,
                                        kdf: kdf, wrapParameters: .fast, archive: ArchivePreparer(spool: spool, blobs: blobs, serverKey: serverKey, threads: fileSync, logger: logger),
                                        logger: logger, now: clock.closure),
            sent: SentTransferService(transfers: database, blobs: blobs, notifications: notifications, logger: logger, now: clock.closure))
    }

    /// The download service, deriving keys on the harness's runner or on `kdf`.
    func downloads(kdf: KeyDerivationRunner? = nil) -> DownloadService {
        DownloadService(transfers: database, outbox: database, blobs: blobs, settings: settings, notifications: notifications, kdf: kdf ?? self.kdf,
                        logger: logger, now: clock.closure)
    }

    /// The archive spool in the data dir, as the composition root places it.
    var spool: ArchiveSpool { ArchiveSpool(root: directory.file("data/archive-spool")) }

    /// The archive worker with the local connector (and `extra` targets), retrying after 30 s.
    func archive(targets extra: [ArchiveSettings.Connector: any ArchiveTarget] = [:]) -> ArchiveService {
        ArchiveService(repository: database, spool: spool, targets: [.local: LocalArchiveTarget()].merging(extra) { $1 }, settings: settings,
                       serverKey: serverKey, logger: logger, now: clock.closure)
    }

    func cleanup() -> CleanupService {
        CleanupService(transfers: database, verifications: database, blobs: blobs, settings: settings, notifications: notifications,
                       logger: logger, now: clock.closure)
    }

    func outbox(_ transport: any MailTransport, configuration: OutboxService.Configuration = .init()) -> OutboxService {
        OutboxService(outbox: database, transport: transport, configuration: configuration, logger: logger, now: clock.closure)
    }

    /// Every queued or delivered mail, oldest first.
    func mails() async throws -> [OutboxMessage] {
        try await database.recentMessages(limit: 1000).reversed()
    }

    /// The mails of one kind, oldest first.
    func mails(_ kind: String) async throws -> [OutboxMessage] {
        try await mails().filter { $0.kind == kind }
    }

    /// The blob directory of a transfer.
    func blobDirectory(_ trackingId: TrackingID) -> String { blobRoot + "/blobs/" + trackingId.rawValue }

    /// Whether a transfer has blobs on disk.
    func hasBlobs(_ trackingId: TrackingID) -> Bool { FileManager.default.fileExists(atPath: blobDirectory(trackingId)) }

    /// Temporary blobs: plain uploads in `tmp/`, resumable (chunked) ones in `partial/`.
    func temporaries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: blobRoot + "/tmp") + FileManager.default.contentsOfDirectory(atPath: blobRoot + "/partial")
    }
}

/// Values shared by the service tests.
enum Sample {
    static let alice = EmailAddress("alice@example.org")!
    static let bob = EmailAddress("bob@example.net")!
    static let carol = EmailAddress("carol@example.com")!
    static let dave = EmailAddress("dave@example.com")!
    /// A password that satisfies the default password policy.
    static let manualPassword = "Tq7!mZ9#wP2k"

    /// A sender as the HTTP layer hands it to the services after authentication.
    static func sender(_ email: EmailAddress = alice, token: String = "token-" + UUID().uuidString) -> VerifiedSender {
        VerifiedSender(email: email, clientId: "client-0001", token: token)
    }

    /// Recognisable plaintext of `count` bytes.
    static func plaintext(_ count: Int, marker: String = "SEALDROP-PLAINTEXT-") -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = 0
        while out.count < count {
            out += Array("\(marker)\(i);".utf8)
            i += 1
        }
        return Array(out.prefix(count))
    }

    /// Lower-case hex SHA-256.
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// Yields until `condition` holds; for states other tasks or threads reach without a signal to await.
func until(_ condition: () -> Bool) async {
    while !condition() { await Task.yield() }
}

/// A value shared between test tasks and threads.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    /// The current value.
    var current: Value { value.withLock { $0 } }

    /// Changes the value in place.
    func update(_ change: (inout Value) -> Void) {
        value.withLock { change(&$0) }
    }
}

/// Whether `needle` occurs anywhere in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    let first = needle[0]
    var i = 0
    while i <= haystack.count - needle.count {
        if haystack[i] == first && Array(haystack[i..<(i + needle.count)]) == needle { return true }
        i += 1
    }
    return false
}

/// A parsed RFC 5322 message: unfolded headers and the decoded base64 text (and HTML) bodies of a
/// `text/plain` or `multipart/alternative` message.
struct ParsedMail {
    /// Header lines exactly as they appear (folded continuation lines separate).
    let rawHeaderLines: [String]
    /// Unfolded headers as (name, value).
    let headers: [(name: String, value: String)]
    /// The body lines as they appear on the wire.
    let bodyLines: [String]
    /// The decoded text body.
    let body: String
    /// The decoded HTML body, if the message has one.
    let html: String?
    /// The content types of the parts, in order (one entry for a single-part message).
    let partTypes: [String]

    init(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        let (headerLines, rest) = try Self.split(text)
        rawHeaderLines = headerLines
        headers = Self.unfold(headerLines)
        bodyLines = rest.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let contentType = headers.first { $0.name.lowercased() == "content-type" }?.value ?? ""
        guard let range = contentType.range(of: "boundary=\"") else {
            partTypes = [contentType]
            body = try Self.decodeBase64(rest)
            html = nil
            return
        }
        let boundary = String(contentType[range.upperBound...].prefix { $0 != "\"" })
        var parts: [(type: String, body: String)] = []
        for chunk in rest.components(separatedBy: "--" + boundary).dropFirst() where !chunk.hasPrefix("--") {
            let (lines, partBody) = try Self.split(String(chunk.hasPrefix("\r\n") ? chunk.dropFirst() : Substring(chunk)))
            let type = Self.unfold(lines).first { $0.name.lowercased() == "content-type" }?.value ?? ""
            parts.append((type, try Self.decodeBase64(partBody)))
        }
        partTypes = parts.map(\.type)
        body = try #require(parts.first { $0.type.hasPrefix("text/plain") }).body
        html = parts.first { $0.type.hasPrefix("text/html") }?.body
    }

    static func split(_ text: String) throws -> ([String], String) {
        let range = try #require(text.range(of: "\r\n\r\n"))
        return (text[..<range.lowerBound].components(separatedBy: "\r\n"), String(text[range.upperBound...]))
    }

    static func unfold(_ lines: [String]) -> [(name: String, value: String)] {
        var unfolded: [String] = []
        for line in lines {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), !unfolded.isEmpty {
                unfolded[unfolded.count - 1] += line
            } else {
                unfolded.append(line)
            }
        }
        return unfolded.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    static func decodeBase64(_ text: String) throws -> String {
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let decoded = try #require(Data(base64Encoded: lines.joined()))
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The first header with this name (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Decodes a header value made of RFC 2047 `B` encoded words (or plain text).
    static func decodeWords(_ value: String) -> String {
        let words = value.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty, words.allSatisfy({ $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") }) else { return value }
        var data = Data()
        for word in words {
            let payload = word.dropFirst(10).dropLast(2)
            data += Data(base64Encoded: String(payload)) ?? Data()
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The four transfer services of one harness: sessions, uploads, finalize and sent transfers.
struct TransferServices {
    let sessions: TransferSessionService
    let uploads: UploadService
    let finalizing: FinalizeService
    let sent: SentTransferService
}

extension TransferServices {
    /// Streams `bytes` into a registered file in `chunk`-sized writes and finishes the upload.
    func upload(_ bytes: [UInt8], _ trackingId: TrackingID, _ fileId: FileID, by sender: VerifiedSender, chunk: Int = 10_007) async throws {
        let upload = try await uploads.beginUpload(trackingId, fileId: fileId, by: sender)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try bytes[offset..<end].withUnsafeBytes { try upload.write($0) }
            await upload.keepPace()
            offset = end
        }
        try await upload.finish()
    }

    /// Creates a session to `recipients`, sets the password mode (and what `configure` patches), uploads `files` and
    /// finalizes; returns the id and password.
    func provide(
        by sender: VerifiedSender, recipients: RecipientList = RecipientList(to: [Sample.bob]), mode: PasswordMode = .manual,
        files: [(name: String, bytes: [UInt8])] = [("report.txt", Sample.plaintext(1000))], configure: (inout SessionPatch) -> Void = { _ in }
    ) async throws -> (trackingId: TrackingID, password: String, fileIds: [FileID]) {
        let trackingId = try await sessions.createSession(by: sender, contact: SenderContact(name: "Alice", phone: "+49 1"), recipients: recipients,
                                                 language: "en", clientIP: "192.0.2.1")
        var patch = SessionPatch()
        patch.passwordMode = mode
        if mode == .manual { patch.password = Sample.manualPassword }
        configure(&patch)
        let view = try await sessions.patch(trackingId, by: sender, with: patch)
        let password = try #require(mode == .manual ? Sample.manualPassword : view.password)
        var fileIds: [FileID] = []
        for file in files {
            let fileId = try await sessions.registerFile(trackingId, by: sender, name: file.name, size: Int64(file.bytes.count), checksum: nil)
            try await upload(file.bytes, trackingId, fileId, by: sender)
            fileIds.append(fileId)
        }
        try await finalizing.finalize(trackingId, by: sender)
        return (trackingId, password, fileIds)
    }
}

extension DownloadService {
    /// All plaintext of one file, or of `range`.
    func plaintext(_ access: DownloadAccess, _ fileId: FileID, range: Range<Int64>? = nil) throws -> [UInt8] {
        var chunks = try reader(access, fileId: fileId).chunks(range: range)
        var out: [UInt8] = []
        while let chunk = try chunks.next() { out += chunk }
        return out
    }
}

/// A `MailTransport` double: records deliveries and fails on demand.
final class FakeMailTransport: MailTransport {
    enum Mode: Sendable { case succeed, failTemporarily, failPermanently }

    private struct State {
        var mode: Mode = .succeed
        var attempts: [Int64] = []
        var delivered: [OutboxMessage] = []
        var inFlight = 0
        var maxInFlight = 0
    }
    private let state = Mutex(State())
    /// How long each delivery takes, so concurrent deliveries overlap.
    let latency: Duration

    init(latency: Duration = .zero) {
        self.latency = latency
    }

    /// The most deliveries that were in progress at the same time.
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    /// How the next deliveries end.
    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }
    /// Ids of every attempted delivery, in order.
    var attempts: [Int64] { state.withLock { $0.attempts } }
    /// Messages accepted, in order.
    var delivered: [OutboxMessage] { state.withLock { $0.delivered } }

    func deliver(_ message: OutboxMessage) async throws {
        state.withLock { s in
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if latency > .zero { try await Task.sleep(for: latency) }
        try state.withLock { s in
            s.attempts.append(message.id ?? -1)
            switch s.mode {
            case .succeed: s.delivered.append(message)
            case .failTemporarily: throw MailDeliveryError(permanent: false, reason: "421 service not available")
            case .failPermanently: throw MailDeliveryError(permanent: true, reason: "550 mailbox unavailable")
            }
        }
    }
}
