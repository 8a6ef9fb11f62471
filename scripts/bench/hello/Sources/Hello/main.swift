import Hummingbird
import NIOCore

// Usage: Hello [port]  — listens on 127.0.0.1:port (default 8089).
// GET /hello and POST /hello answer {"status":"ok","message":"hello"} as application/json.
let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8089 : 8089
let body = #"{"status":"ok","message":"hello"}"#

let router = Router()
router.get("hello") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}
router.post("hello") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 1 << 16)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
