import Hummingbird
import SealdropCore
import SealdropServices

extension FileUpload {
    /// Writes a request body into the upload, buffer by buffer, waiting for the disk as it goes (`keepPace`): the one
    /// loop from request bytes to the blob writer, for the REST upload and the web app's chunks. With `limit`, a body
    /// longer than `limit.bytes` ends with `limit.error` once the excess arrives. The caller finishes or aborts.
    func write(contentsOf body: RequestBody, limit: (bytes: Int, error: SealdropError)? = nil) async throws {
        var count = 0
        for try await buffer in body {
            count += buffer.readableBytes
            if let limit, count > limit.bytes { throw limit.error }
            try buffer.withUnsafeReadableBytes { try write($0) }
            await keepPace()
        }
    }
}
