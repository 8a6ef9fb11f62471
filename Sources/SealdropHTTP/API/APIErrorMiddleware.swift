import Foundation
import Hummingbird
import Logging
import SealdropCore

/// The one place where errors become REST responses: `{"errorCode", "errorMessage"}` with the documented status.
///
/// Unknown routes become 404/1006; anything unexpected becomes 500/5000, logged with the request id and
/// the error's type only (never its text, which may carry input).
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = SealdropRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SealdropError {
            return Self.response(error)
        } catch let error as HTTPError where error.status == .notFound {
            return Self.response(.noSuchEndpoint)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return Self.response(.malformed("The request body is too large"))
        } catch let error as HTTPError where error.status.code < 500 {
            return Self.response(.malformed(error.body ?? "Bad request"))
        } catch is DecodingError {
            return Self.response(.malformed("The request body is not valid JSON of the expected shape"))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("request.failed", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
            return Self.response(.internalError)
        }
    }

    /// The REST representation of an error.
    static func response(_ error: SealdropError) -> Response {
        JSONResponse(body: Body(errorCode: error.code.rawValue, errorMessage: error.message), status: .init(code: error.status)).response
    }

    /// `{"errorCode", "errorMessage"}` (sorted keys are also the spec's order).
    struct Body: Encodable {
        let errorCode: Int
        let errorMessage: String
    }
}
