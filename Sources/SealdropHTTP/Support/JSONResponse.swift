import Foundation
import Hummingbird
import SealdropCore

/// The one way the HTTP surfaces write a JSON body: an `Encodable` value through one of two fixed encoders,
/// with the content type, `Cache-Control` and `Location` each caller has always sent.
///
/// The two styles exist because their clients have always received exactly these bytes: the Cryptshare
/// REST API's envelopes are written by its own encoder (`/` as is, ISO 8601 dates, keys in the encoder's order);
/// every other body (admin API, upload page API, error bodies, `/health`, `/api/status`, language packs)
/// writes keys sorted with `/` escaped as `\/`, as their `JSONSerialization` and hand-built bodies did.
struct JSONResponse<Body: Encodable>: ResponseGenerator {
    var body: Body
    var status: HTTPResponse.Status = .ok
    var style: JSONStyle = .sorted
    var contentType = "application/json"
    /// `no-store` unless the caller never sent the header.
    var cacheControl: String? = "no-store"
    var location: String?

    /// The encoded body; only a non-finite floating-point number could fail, and no body holds one.
    var bytes: Data {
        switch style {
        case .rest: (try? JSONCoding.rest.encode(body)) ?? Data("{}".utf8)
        case .sorted: (try? JSONValue(encoding: body).sortedJSON()) ?? Data("{}".utf8)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The response without a request, for middleware and closures that build one directly.
    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if let cacheControl { headers[.cacheControl] = cacheControl }
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Key order and escaping of a JSON body.
enum JSONStyle: Sendable {
    /// The REST API envelopes: `/` unescaped, dates as ISO 8601 in UTC, keys in the encoder's own order.
    case rest
    /// Keys sorted as `JSONSerialization` sorts them (numbers by value, case-insensitive: `a9` before `a10`,
    /// `senderPatterns` before `sendRecipientNotification`), `/` escaped, no dates (callers format them as text).
    case sorted
}

/// The REST API's encoder behind `JSONResponse`, built once.
enum JSONCoding {
    static let rest: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(APIDate.format(date, timeZone: TimeZone(identifier: "UTC")!))
        }
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()
}

/// `{}`.
struct EmptyJSON: Encodable, Sendable {}

/// A value written as JSON `null` when nil (a synthesized `Encodable` leaves nil properties out).
struct Nullable<Wrapped: Encodable & Sendable>: Encodable, Sendable {
    var value: Wrapped?
    init(_ value: Wrapped?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}
