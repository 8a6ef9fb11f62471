import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// A browser-like client of the admin router over a real loopback socket (the allow-list needs a peer
/// address): keeps cookies, logs in, posts forms with the session's CSRF token.
struct AdminClient: Sendable {
    let client: any TestClientProtocol
    let server: SealdropServer
    var cookies: [String: String] = [:]
    var csrf: String = ""

    /// Runs `body` against the admin router of a fresh server whose config file has `settings`.
    static func run<T: Sendable>(settings: String = "{}", _ body: @Sendable (AdminClient) async throws -> T) async throws -> T {
        let test = try TestServer.make(settings: settings)
        defer { try? FileManager.default.removeItem(atPath: test.directory) }
        let app = Application(router: test.server.adminRouter(), logger: quiet)
        return try await app.test(.live) { client in
            try await body(AdminClient(client: client, server: test.server))
        }
    }

    /// A logger that keeps test output quiet.
    static let quiet: Logger = {
        var logger = Logger(label: "sealdrop-admin-tests")
        logger.logLevel = .critical
        return logger
    }()

    /// Runs `body` with a REST client of the user router and an admin client of the same fresh server, for
    /// tests of admin changes seen by users; `environment` as in `TestServer.make`.
    static func runBeside<T: Sendable>(settings: String = "{}", environment: [String: String] = [:],
                                       _ body: @Sendable (API, AdminClient) async throws -> T) async throws -> T {
        let test = try TestServer.make(settings: settings, environment: environment)
        defer { try? FileManager.default.removeItem(atPath: test.directory) }
        let user = Application(router: test.server.userRouter(), logger: quiet)
        return try await user.test(.router) { userClient in
            let api = API(client: userClient, server: test.server, dataDirectory: test.directory + "/data")
            let admin = Application(router: test.server.adminRouter(), logger: quiet)
            return try await admin.test(.live) { client in
                try await body(api, AdminClient(client: client, server: test.server))
            }
        }
    }

    /// A request with the jar's cookies; remembers the cookies the answer sets.
    @discardableResult
    mutating func send(_ method: HTTPRequest.Method, _ uri: String, headers extra: HTTPFields = [:], body: String? = nil,
                       contentType: String = "application/x-www-form-urlencoded") async throws -> TestResponse {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = contentType }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || line.contains("Max-Age=0") { cookies.removeValue(forKey: name) } else { cookies[name] = value }
        }
        if let token = Self.csrfToken(in: response.text) { csrf = token }
        return response
    }

    /// `csrf` form value of a page, if any.
    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let token = String(rest[..<end])
        return token.isEmpty ? nil : token
    }

    static func form(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// Posts a form with the current CSRF token.
    @discardableResult
    mutating func post(_ uri: String, _ fields: [(String, String)]) async throws -> TestResponse {
        try await send(.post, uri, body: Self.form([("csrf", csrf)] + fields))
    }

    /// Creates an account (directly) and signs in through the login form.
    @discardableResult
    mutating func login(_ name: String, role: AdminRole, password: String = "a long test password") async throws -> TestResponse {
        if try await server.database.adminAccount(named: name) == nil {
            try await server.accounts.create(name: name, role: role, password: password, by: "test")
        }
        return try await loginOnly(name, password: password)
    }

    /// Fills and sends the login form.
    @discardableResult
    mutating func loginOnly(_ name: String, password: String) async throws -> TestResponse {
        try await send(.get, "/login")
        let response = try await send(.post, "/login", body: Self.form([("csrf", csrf), ("next", "/admin"), ("name", name), ("password", password)]))
        // Like a browser: follow to the first page, which carries the session's CSRF token.
        if response.status == .seeOther, let location = response.headers[.location] { try await send(.get, location) }
        return response
    }

    /// An admin API call with a bearer token.
    func api(_ method: HTTPRequest.Method, _ uri: String, token: String, json: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// The fields a browser submits for `section` with `settings` unchanged (checkboxes only when ticked).
    static func submitted(_ section: String, _ settings: SealdropSettings) throws -> [(String, String)] {
        try #require(SettingsSection.named(section)).formValues(settings).compactMap { key, value -> (String, String)? in
            if let flag = value as? Bool { return flag ? (key, "on") : nil }
            return (key, "\(value)")
        }
    }

    /// A JSON object body.
    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require((try JSONSerialization.jsonObject(with: Data(response.text.utf8))) as? [String: Any])
    }
}
