import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SealdropCore
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// A Sealdrop server built with the production builder over a fresh temporary data directory.
struct TestServer {
    let server: SealdropServer
    let directory: String

    /// Builds a server; `settings` is the JSON of the config file's `settings` member. Given the `directory`
    /// of an earlier one, the new server starts over its data, as after a restart. `environment` adds to (or,
    /// with an empty value, unsets) the test environment; `logger` replaces the silent one.
    static func make(settings: String = "{}", directory existing: String? = nil, environment: [String: String] = [:],
                     logger given: Logger? = nil) throws -> TestServer {
        let directory = existing ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("sealdrop-http-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configPath = directory + "/config.json"
        let config = #"{"settings": \#(settings), "passwordWrap": {"logN": 10, "r": 8, "p": 1}, "insecureTestingCosts": true, "adminBcryptCost": 4}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        let configuration = try ServerConfiguration.load(
            environment: ["SEALDROP_DATA_DIR": directory + "/data", "SEALDROP_BASE_URL": "https://sealdrop.test"].merging(environment) { $1 },
            configFile: configPath, dev: false)
        var logger = Logger(label: "sealdrop-http-tests")
        logger.logLevel = .critical
        let server = try SealdropServer.build(configuration: configuration, logger: given ?? logger)
        return TestServer(server: server, directory: directory)
    }

    /// Runs `body` against the user router in process, then removes the data directory.
    static func run<T: Sendable>(settings: String = "{}", _ body: @Sendable (API) async throws -> T) async throws -> T {
        let test = try make(settings: settings)
        defer { try? FileManager.default.removeItem(atPath: test.directory) }
        var quiet = Logger(label: "sealdrop-http-tests.app")
        quiet.logLevel = .critical
        let app = Application(router: test.server.userRouter(), logger: quiet)
        return try await app.test(.router) { client in
            try await body(API(client: client, server: test.server, dataDirectory: test.directory + "/data"))
        }
    }
}

/// A recipient-side view of a finalized transfer.
struct SentTransfer: Sendable {
    var sender: String
    var token: String
    var trackingId: String
    var password: String
    var recipients: [String]
    /// Transfer ids in the order of `recipients`.
    var transferIds: [String]
    /// File ids in registration order.
    var fileIds: [String]
    var transferId: String { transferIds[0] }
}

/// A thin REST client over the in-process test client: standard headers, JSON helpers and sender flows.
struct API: Sendable {
    let client: any TestClientProtocol
    let server: SealdropServer
    let dataDirectory: String
    /// A well-formed 64-character client id used by default.
    var clientId = API.newClientId()

    static let otherClientId = String(repeating: "Z9", count: 32)

    /// A random well-formed client id.
    static func newClientId() -> String { ClientID.random().rawValue }

    /// The standard headers: major 1, minimum minor 15, product key and the client id.
    func headers(clientId: String? = nil, token: String? = nil, password: String? = nil, extra: [String: String] = [:]) -> HTTPFields {
        var h = HTTPFields()
        h[HTTPField.Name("X-CS-MajorApiVersion")!] = "1"
        h[HTTPField.Name("X-CS-MinimumMinorApiVersion")!] = "15"
        h[HTTPField.Name("X-CS-ProductKey")!] = "api.rest"
        h[HTTPField.Name("X-CS-ClientId")!] = clientId ?? self.clientId
        if let token { h[HTTPField.Name("X-CS-VerificationToken")!] = token }
        if let password { h[HTTPField.Name("X-CS-Password")!] = password }
        for (name, value) in extra { h[HTTPField.Name(name)!] = value }
        return h
    }

    /// Sends a request with the standard headers (or exactly `rawHeaders` when given).
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, clientId: String? = nil, token: String? = nil, password: String? = nil,
        headers extra: [String: String] = [:], rawHeaders: HTTPFields? = nil, json: String? = nil, bytes: [UInt8]? = nil
    ) async throws -> TestResponse {
        var h = rawHeaders ?? headers(clientId: clientId, token: token, password: password, extra: extra)
        var body: ByteBuffer?
        if let json {
            if h[.contentType] == nil { h[.contentType] = "application/json" }
            body = ByteBuffer(string: json)
        }
        if let bytes { body = ByteBuffer(bytes: bytes) }
        return try await client.execute(uri: uri, method: method, headers: h, body: body)
    }

    // MARK: - Verification

    /// The newest verification code mailed to `email`.
    func latestCode(for email: String) async throws -> String {
        let messages = try await server.database.recentMessages(limit: 50)
        let mail = try #require(messages.first { $0.kind == "verification-code" && $0.envelopeTo.contains { $0.lowercased() == email.lowercased() } })
        let text = try #require(MailText.body(of: mail))
        let code = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.count == 10 && $0.allSatisfy { "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains($0) } }
        return try #require(code)
    }

    /// Requests a code for (`email`, client id) and returns it.
    func requestCode(_ email: String, clientId: String? = nil) async throws -> String {
        let r = try await send(.post, "/api/users/\(email)/verification/code/email", clientId: clientId)
        #expect(r.status == .ok)
        return try await latestCode(for: email)
    }

    /// The full email verification: code by mail, redeemed for a token.
    func verify(_ email: String, clientId: String? = nil) async throws -> String {
        let code = try await requestCode(email, clientId: clientId)
        let r = try await send(.post, "/api/users/\(email)/verification/token", clientId: clientId, json: #"{"verificationCode":"\#(code)"}"#)
        #expect(r.status == .ok)
        return try #require(r.data["token"] as? String)
    }

    // MARK: - Sessions and files

    /// Creates a session to `to` and returns its tracking id.
    func createSession(_ email: String, token: String, to: [String] = ["bob@example.org"]) async throws -> String {
        let list = to.map { #"{"mail":"\#($0)"}"# }.joined(separator: ",")
        let r = try await send(.post, "/api/users/\(email)/transfer-sessions", token: token,
                               json: #"{"sender":{"name":"Alice","phone":"+49 1"},"recipients":{"to":[\#(list)],"cc":[],"bcc":[]}}"#)
        #expect(r.status == .created)
        let location = try #require(r.headers[.location])
        return String(try #require(location.split(separator: "/").last))
    }

    /// Registers a file and returns its id.
    func registerFile(_ email: String, token: String, trackingId: String, name: String, size: Int, checksum: String? = nil) async throws -> String {
        var body = #"{"fileName":\#(JSONText.quote(name)),"size":\#(size)"#
        if let checksum { body += #","checksum":"\#(checksum)""# }
        body += "}"
        let r = try await send(.post, "/api/users/\(email)/transfer-sessions/\(trackingId)/files", token: token, json: body)
        #expect(r.status == .created)
        return try #require(r.data["fileId"] as? String)
    }

    /// Uploads content for a registered file.
    @discardableResult
    func upload(_ email: String, token: String, trackingId: String, fileId: String, bytes: [UInt8]) async throws -> TestResponse {
        try await send(.put, "/api/users/\(email)/transfer-sessions/\(trackingId)/files/\(fileId)/content", token: token,
                       headers: ["Content-Type": "application/octet-stream"], bytes: bytes)
    }

    /// Registers and uploads a file; returns its id.
    func addFile(_ email: String, token: String, trackingId: String, name: String, bytes: [UInt8]) async throws -> String {
        let id = try await registerFile(email, token: token, trackingId: trackingId, name: name, size: bytes.count)
        let r = try await upload(email, token: token, trackingId: trackingId, fileId: id, bytes: bytes)
        #expect(r.status == .ok)
        return id
    }

    /// Sets mode MANUAL with `password`.
    func setPassword(_ email: String, token: String, trackingId: String, password: String) async throws {
        let r = try await send(.patch, "/api/users/\(email)/transfer-sessions/\(trackingId)", token: token,
                               json: #"{"securityMode":{"name":"ONE_TIME_PASSWORD","config":{"passwordMode":"MANUAL","password":\#(JSONText.quote(password))}}}"#)
        #expect(r.status == .ok)
    }

    /// Finalizes and returns the per-recipient transfer ids in recipient order.
    func finalize(_ email: String, token: String, trackingId: String) async throws -> [String] {
        let r = try await send(.post, "/api/users/\(email)/transfer-sessions/\(trackingId)", token: token)
        #expect(r.status == .created)
        let details = try await send(.get, "/api/users/\(email)/transfers/\(trackingId)", token: token)
        let status = try #require(details.data["status"] as? [String: Any])
        let recipients = try #require(status["recipients"] as? [[String: Any]])
        return recipients.compactMap { $0["id"] as? String }
    }

    /// A complete transfer from a freshly verified sender with MANUAL password `TestData.password`.
    func sendTransfer(
        sender: String = "alice@example.com", to: [String] = ["bob@example.org"],
        files: [(String, [UInt8])] = [("hello.txt", Array("Hello, world".utf8))],
        configure: (@Sendable (String, String) async throws -> Void)? = nil
    ) async throws -> SentTransfer {
        let token = try await verify(sender)
        let trackingId = try await createSession(sender, token: token, to: to)
        var fileIds: [String] = []
        for (name, bytes) in files {
            fileIds.append(try await addFile(sender, token: token, trackingId: trackingId, name: name, bytes: bytes))
        }
        try await setPassword(sender, token: token, trackingId: trackingId, password: TestData.password)
        if let configure { try await configure(token, trackingId) }
        let ids = try await finalize(sender, token: token, trackingId: trackingId)
        return SentTransfer(sender: sender, token: token, trackingId: trackingId, password: TestData.password,
                            recipients: to, transferIds: ids, fileIds: fileIds)
    }

    /// Every file name below the data directory, relative to it.
    func dataDirectoryEntries() -> [String] {
        (FileManager.default.subpaths(atPath: dataDirectory) ?? []).sorted()
    }
}

/// Constants shared by the suites.
enum TestData {
    /// A password that satisfies the default password policy.
    static let password = "Vt7#kRm2!pQz"
    /// Lower-case hex SHA-256 of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// Decoding of captured RFC 5322 mails (base64 parts, single or `multipart/alternative`).
enum MailText {
    /// The decoded text/plain body of a captured mail.
    static func body(of message: OutboxMessage) -> String? { part(of: message, type: "text/plain") }

    /// The decoded text/html body of a captured mail.
    static func html(of message: OutboxMessage) -> String? { part(of: message, type: "text/html") }

    static func part(of message: OutboxMessage, type: String) -> String? {
        let raw = String(decoding: message.message, as: UTF8.self)
        guard let split = raw.range(of: "\r\n\r\n") else { return nil }
        let head = raw[..<split.lowerBound]
        var sections = [String(raw[split.upperBound...])]
        if let b = head.range(of: "boundary=\"") {
            let boundary = String(head[b.upperBound...].prefix { $0 != "\"" })
            sections = Array(String(raw[split.upperBound...]).components(separatedBy: "--" + boundary).dropFirst())
        } else if !head.contains("Content-Type: " + type) {
            return nil
        }
        for section in sections {
            guard let s = section.range(of: "\r\n\r\n") else { continue }
            if sections.count > 1 && !section[..<s.lowerBound].contains("Content-Type: " + type) { continue }
            let encoded = section[s.upperBound...].filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: String(encoded)) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
        return nil
    }
}

/// JSON and text accessors on test responses.
extension TestResponse {
    /// The body as UTF-8 text.
    var text: String { String(buffer: body) }
    /// The body bytes.
    var bytes: [UInt8] { Array(buffer: body) }
    /// The body as a JSON object, or empty.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) as? [String: Any] ?? [:]
    }
    /// `data` of the envelope as an object.
    var data: [String: Any] { object["data"] as? [String: Any] ?? [:] }
    /// `data` of the envelope as an array of objects.
    var list: [[String: Any]] { object["data"] as? [[String: Any]] ?? [] }
    /// `errorCode` of an error body.
    var errorCode: Int? { object["errorCode"] as? Int }

    /// Whether the response is the documented error: status, code and a non-empty message.
    func isError(_ status: Int, _ code: Int) -> Bool {
        self.status.code == status && errorCode == code && !((object["errorMessage"] as? String) ?? "").isEmpty
    }
}

/// Asserts status and error code together, with a readable failure message.
func expectError(_ response: TestResponse, _ status: Int, _ code: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.isError(status, code), "expected \(status)/\(code), got \(response.status.code) \(response.text.prefix(300))",
            sourceLocation: sourceLocation)
}

/// JSON text for hand-built request bodies in tests.
enum JSONText {
    /// A JSON string literal for `text`.
    static func quote(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
