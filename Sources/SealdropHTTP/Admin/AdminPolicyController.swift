import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Policy rules over the admin JSON API (`docs/policy.md`). Every change goes through `RuntimeSettings` (checked,
/// persisted, audited per changed key).
///
/// | Method | Path | Permission |
/// |---|---|---|
/// | GET, PUT | `/admin/api/policy` (`{"rules", "conflicts", "internalDomains"}`) | editSettings |
/// | POST | `/admin/api/policy/test` (`{"sender", "recipients", "clientIP"?}`): the merged result and the rules that matched | editSettings |
/// | POST | `/admin/api/policy/default-rules` (`{"internalDomains"}`): adds "internal ↔ anyone" | editSettings |
/// | GET | `/admin/api/policy/export` (`?rule=NAME` for one, `?separator=,`) | editSettings |
/// | POST | `/admin/api/policy/import` (the CSV; `?update=true`, `?separator=,`) | editSettings |
struct AdminPolicyController: Sendable {
    let surface: AdminSurface
    let policy: PolicyService

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let api = router.group("admin/api/policy").signedIn()
        api.get(use: read)
        api.put(use: replace)
        api.post("test", use: test)
        api.post("default-rules", use: defaultRules)
        api.get("export", use: export)
        api.post("import", use: importCSV)
    }

    /// A JSON body of at most `limit` bytes as `T`; a shape error names where it is.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int = 4 * 1024 * 1024) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw AdminError.invalid([FieldProblem("body", "The body is larger than \(limit / (1024 * 1024)) MiB.")])
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, context) {
            throw AdminError.invalid([FieldProblem((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."), "This member is missing.")])
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context), let DecodingError.valueNotFound(_, context) {
            throw AdminError.invalid([FieldProblem(context.codingPath.map(\.stringValue).joined(separator: "."), "This value has the wrong type or form.")])
        } catch {
            throw AdminError.invalid([FieldProblem("body", "Send a JSON object.")])
        }
    }

    @Sendable func read(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        return AdminAPIController.json(surface.settings.current.policyRules)
    }

    @Sendable func replace(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let rules = try await Self.decode(PolicyRules.self, request)
        try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) { $0.policyRules = rules }
        return AdminAPIController.json(surface.settings.current.policyRules)
    }

    /// `POST /admin/api/policy/test`.
    struct TestRequest: Decodable {
        var sender: String
        var recipients: [String]
        var clientIP: String?
    }

    /// The answer of a test: what a transfer from `sender` to `recipients` would get.
    struct TestResult: Encodable {
        let allowed: Bool, senderAllowed: Bool
        let failedRecipients: [String]
        let matchedRules: [String]
        let settings: RuleSettings?
        let directoryProblem: String?
    }

    @Sendable func test(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        let body = try await Self.decode(TestRequest.self, request, limit: 256 * 1024)
        guard let sender = EmailAddress(body.sender) else { throw AdminError.invalid([FieldProblem("sender", "Enter the sender's email address.")]) }
        guard body.recipients.count <= 500 else { throw AdminError.invalid([FieldProblem("recipients", "At most 500 recipients.")]) }
        var recipients: [EmailAddress] = []
        for text in body.recipients {
            guard let address = EmailAddress(text) else { throw AdminError.invalid([FieldProblem("recipients", "\(text.prefix(80)) is not an email address.")]) }
            recipients.append(address)
        }
        if let ip = body.clientIP, IPNetwork(ip) == nil { throw AdminError.invalid([FieldProblem("clientIP", "\(ip.prefix(80)) is not an IP address.")]) }
        let result = await policy.explain(sender: sender, recipients: recipients, clientIP: body.clientIP)
        return AdminAPIController.json(TestResult(
            allowed: result.allowed, senderAllowed: result.senderAllowed, failedRecipients: result.failedRecipients.map(\.address),
            matchedRules: result.matchedRules, settings: result.ruleSettings, directoryProblem: result.directoryProblem))
    }

    /// `POST /admin/api/policy/default-rules`.
    struct DefaultRulesRequest: Decodable { var internalDomains: [String] }

    @Sendable func defaultRules(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let body = try await Self.decode(DefaultRulesRequest.self, request, limit: 64 * 1024)
        let domains = body.internalDomains.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !domains.isEmpty else { throw AdminError.invalid([FieldProblem("internalDomains", "Name at least one of your domains.")]) }
        try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) {
            $0.policyRules.addDefaultRules(internalDomains: domains)
        }
        return AdminAPIController.json(surface.settings.current.policyRules, status: .created)
    }

    static func separator(_ request: Request) throws -> Character {
        guard let text = request.uri.queryParameters["separator"].map(String.init) else { return ";" }
        guard text.count == 1, let c = text.first, [";", ",", "\t", "|"].contains(c) else {
            throw AdminError.invalid([FieldProblem("separator", "Use ; , | or a tab.")])
        }
        return c
    }

    @Sendable func export(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.editSettings)
        var rules = surface.settings.current.policyRules.rules
        if let name = request.uri.queryParameters["rule"].map(String.init) {
            rules = rules.filter { $0.name == name }
            guard !rules.isEmpty else { throw AdminError.notFound("The rule") }
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"policy-rules.csv\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: PolicyCSV.export(rules, separator: try Self.separator(request)))))
    }

    @Sendable func importCSV(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let separator = try Self.separator(request)
        let data: [UInt8]
        do {
            data = Array(buffer: try await request.body.collect(upTo: PolicyCSV.maxSize))
        } catch {
            throw AdminError.invalid([FieldProblem("line 0", "The file is larger than 1 MiB.")])
        }
        let update = request.uri.queryParameters["update"].map { $0 == "true" || $0 == "1" } ?? false
        // Merged into the rules as they are when this change's turn comes, so an edit made meanwhile is kept.
        try await surface.runtime.apply(actor: admin.actor, authorize: surface.authorizeChanges(by: admin)) { settings throws(AdminError) in
            do {
                settings.policyRules.rules = try PolicyCSV.importing(data, into: settings.policyRules.rules, update: update, separator: separator)
            } catch let failure as PolicyCSV.ImportFailure {
                throw failure.adminError
            } catch {
                throw AdminError.invalid([FieldProblem("file", "The file could not be read.")])
            }
        }
        return AdminAPIController.json(surface.settings.current.policyRules)
    }
}
