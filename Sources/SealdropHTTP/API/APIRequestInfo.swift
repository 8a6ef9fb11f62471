import Foundation
import HTTPTypes
import Hummingbird
import SealdropCore
import SealdropServices

/// The REST conventions of one request (spec §2.2–2.3), already validated.
public struct APIRequestInfo: Sendable {
    public var majorVersion: Int
    public var minimumMinorVersion: Int
    public var productKey: String
    /// Nil only on `GET /api/clients`, where real clients send none.
    public var clientId: String?
    public var language: String

    /// The client id, required by every endpoint but `GET /api/clients`.
    func requireClientId() throws -> String {
        guard let clientId else { throw SealdropError.missing("X-CS-ClientId") }
        return clientId
    }
}

/// Reads a value that may come as an `X-CS-*` header or as its query-parameter alternative.
enum APIParameter {
    static let major = (header: "X-CS-MajorApiVersion", query: "major-api-version")
    static let minor = (header: "X-CS-MinimumMinorApiVersion", query: "minimum-minor-api-version")
    static let product = (header: "X-CS-ProductKey", query: "product-key")
    static let clientId = (header: "X-CS-ClientId", query: "client-id")
    static let token = (header: "X-CS-VerificationToken", query: "verification-token")
    static let password = (header: "X-CS-Password", query: "password")

    /// The header value, else the query value; empty strings count as absent.
    static func value(_ request: Request, _ names: (header: String, query: String)) -> String? {
        if let name = HTTPField.Name(names.header), let value = request.headers[name], !value.isEmpty { return value }
        if let value = request.uri.queryParameters[names.query[...]], !value.isEmpty { return String(value) }
        return nil
    }

    /// The transfer password of a recipient request, decoded: the header, else the query parameter.
    ///
    /// Clients URL-encode `X-CS-Password` (spec §2.2), so it is percent-decoded like the `password`
    /// query parameter (which the router already decodes). Percent-decoding only (RFC 3986): a `+` stays a
    /// plus in both, as the spec names no form encoding and passwords are often sent unencoded; a space
    /// comes as `%20`. A value that is not valid percent-encoding (a raw `50%off`, or bytes that are not
    /// UTF-8) is taken as it is, as the router does for the query; a raw value that happens to decode
    /// (`a%41`) is decoded: the contract wins.
    static func transferPassword(_ request: Request) -> String? {
        if let name = HTTPField.Name(password.header), let value = request.headers[name], !value.isEmpty {
            return value.removingPercentEncoding ?? value
        }
        if let value = request.uri.queryParameters[password.query[...]], !value.isEmpty { return String(value) }
        return nil
    }

    /// Checks a value given in both forms: each present one must be well formed.
    static func values(_ request: Request, _ names: (header: String, query: String)) -> [String] {
        var result: [String] = []
        if let name = HTTPField.Name(names.header), let value = request.headers[name], !value.isEmpty { result.append(value) }
        if let value = request.uri.queryParameters[names.query[...]], !value.isEmpty { result.append(String(value)) }
        return result
    }

    /// The first language tag of `Accept-Language`, defaulting to English.
    static func language(_ request: Request) -> String {
        guard let header = request.headers[.acceptLanguage] else { return "en" }
        let first = header.split(separator: ",").first.flatMap { $0.split(separator: ";").first }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let ok = !first.isEmpty && first.count <= 35 && first.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return ok ? first : "en"
    }
}

/// Validates the standard headers in the documented order and stores them in the context.
struct APIConventionsMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext
    let settings: SettingsStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.api = try parse(request)
        return try await next(request, context)
    }

    func parse(_ request: Request) throws -> APIRequestInfo {
        let s = settings.current
        let majors = APIParameter.values(request, APIParameter.major)
        let minors = APIParameter.values(request, APIParameter.minor)
        guard !majors.isEmpty else { throw SealdropError.missing(APIParameter.major.header) }
        guard !minors.isEmpty else { throw SealdropError.missing(APIParameter.minor.header) }
        let majorValues = majors.map { Int($0) }
        let minorValues = minors.map { Int($0) }
        guard majorValues.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw SealdropError.malformed("X-CS-MajorApiVersion must be a non-negative integer") }
        guard minorValues.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw SealdropError.malformed("X-CS-MinimumMinorApiVersion must be a non-negative integer") }
        let major = majorValues[0]!
        let minor = minorValues[0]!
        guard major == 1, minor <= s.apiMinorVersion else { throw SealdropError.versionNotSupported }
        let products = APIParameter.values(request, APIParameter.product)
        guard products.allSatisfy(s.acceptsProductKey) else { throw SealdropError.malformed("Unknown product key") }
        let clientIds = APIParameter.values(request, APIParameter.clientId)
        guard clientIds.allSatisfy({ ClientID(rawValue: $0) != nil }) else {
            throw SealdropError.malformed("X-CS-ClientId must be 50 to 4000 letters and digits")
        }
        let isClientsRoute = request.method == .get && request.uri.path == "/api/clients"
        if clientIds.isEmpty && !isClientsRoute { throw SealdropError.missing(APIParameter.clientId.header) }
        return APIRequestInfo(
            majorVersion: major, minimumMinorVersion: minor, productKey: products.first ?? "api.rest",
            clientId: clientIds.first, language: APIParameter.language(request)
        )
    }
}
