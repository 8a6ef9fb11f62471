import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The success envelope `{"data": …, "meta": {}}` of spec §2.5.
struct Envelope<Payload: Encodable & Sendable>: ResponseGenerator {
    var data: Payload
    var status: HTTPResponse.Status = .ok
    var location: String?

    private struct Body: Encodable {
        var data: Payload
        var meta: [String: String] = [:]
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse(body: Body(data: data), status: status, style: .rest, contentType: "application/json; charset=utf-8", location: location).response
    }
}

/// JSON decoding rules of the API: ISO 8601 dates with numeric offsets, tolerant request decoding (answers
/// are written by `JSONResponse`).
enum APICoding {
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = APIDate.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 date")
            }
            return date
        }
        return d
    }()

    /// Decodes a JSON request body of at most 1 MiB; malformed input is 400/1004.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext, allowEmpty: Bool = false) async throws -> T? {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw SealdropError.malformed("The request body is too large")
        }
        if buffer.readableBytes == 0 || String(buffer: buffer).allSatisfy(\.isWhitespace) {
            if allowEmpty { return nil }
            throw SealdropError.missing("request body")
        }
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw SealdropError.malformed("The request body is not valid JSON of the expected shape")
        }
    }

    /// A plain response with no body.
    static func empty(_ status: HTTPResponse.Status, location: String? = nil) -> Response {
        var headers = HTTPFields()
        if let location { headers[.location] = location }
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init())
    }
}

/// Typed path variables: each failure is 400/1005 (spec §2.3 step 7).
enum PathVariable {
    static func email(_ context: some RequestContext) throws -> EmailAddress {
        guard let raw = context.parameters.get("email") else { throw SealdropError.invalidPath("email-address") }
        let decoded = raw.removingPercentEncoding ?? raw
        guard let email = EmailAddress(decoded) else { throw SealdropError.invalidPath("email-address") }
        return email
    }

    static func trackingId(_ context: some RequestContext) throws -> TrackingID {
        guard let raw = context.parameters.get("trackingId") else { throw SealdropError.invalidPath("tracking-id") }
        if let id = TrackingID(rawValue: raw) { return id }
        // Well-formed but an impossible date: no such transfer can exist.
        if raw.wholeMatch(of: /[0-9]{8}-[0-9]{6}-[A-Za-z0-9]{8}/) != nil { throw SealdropError.notFound("The transfer") }
        throw SealdropError.invalidPath("tracking-id")
    }

    static func transferId(_ context: some RequestContext) throws -> TransferID {
        guard let raw = context.parameters.get("transferId"), let id = TransferID(rawValue: raw) else { throw SealdropError.invalidPath("transfer-id") }
        return id
    }

    static func fileId(_ context: some RequestContext) throws -> FileID {
        guard let raw = context.parameters.get("fileId"), let id = FileID(rawValue: raw) else { throw SealdropError.invalidPath("file-id") }
        return id
    }

    static func productKey(_ context: some RequestContext, settings: SettingsStore) throws -> String {
        guard let key = context.parameters.get("productKey"), settings.current.acceptsProductKey(key) else {
            throw SealdropError.invalidPath("product-key")
        }
        return key
    }
}
