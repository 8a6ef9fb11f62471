@preconcurrency import Crypto
import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// `Set-Cookie` values with the house defaults: `Secure`, `HttpOnly`, `SameSite=Strict`.
///
/// `Secure` is always set: browsers accept such cookies on `https://` and on `localhost`/`127.0.0.1`
/// only, which is what a deployment and a developer machine use.
enum WebCookies {
    static func make(_ name: String, _ value: String, path: String = "/", maxAge: Int? = nil, httpOnly: Bool = true) -> String {
        var parts = ["\(name)=\(value)", "Path=\(path)", "Secure", "SameSite=Strict"]
        if httpOnly { parts.append("HttpOnly") }
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        return parts.joined(separator: "; ")
    }

    static func delete(_ name: String, path: String = "/") -> String {
        "\(name)=; Path=\(path); Secure; SameSite=Strict; HttpOnly; Max-Age=0"
    }
}

/// CSRF protection for forms: a random token in an HttpOnly cookie that every POST must repeat in its
/// `csrf` field (double submit). With `SameSite=Strict` on top, another site can neither read nor send it.
enum CSRF {
    static let cookie = "cs-csrf"

    /// The request's token, or a new one with the cookie that sets it.
    static func token(for request: Request) -> (token: String, setCookie: String?) {
        if let existing = request.cookies[cookie]?.value, existing.count == 43 { return (existing, nil) }
        let token = Base64URL.encode(RandomBytes.make(32))
        return (token, WebCookies.make(cookie, token))
    }

    /// Whether a submitted form carries the cookie's token.
    static func isValid(_ request: Request, submitted: String?) -> Bool {
        guard let expected = request.cookies[cookie]?.value, expected.count == 43, let submitted else { return false }
        return ConstantTime.equal(expected, submitted)
    }
}

/// The browser's proof that it entered the right password for one recipient's transfer id: the id, the
/// password and an expiry, sealed with AES-GCM under a key that exists only in this process's memory.
///
/// It lives in the `cs-ui-session` cookie (path `/download`, no `Max-Age`), so file links never carry the
/// password and a server restart simply asks for the password again.
struct RetrievalTickets: Sendable {
    static let cookie = "cs-ui-session"
    static let lifetime: TimeInterval = 2 * 3600
    private let key = SymmetricKey(size: .bits256)

    func seal(transferId: TransferID, password: String, now: Date = Date()) throws -> String {
        let payload = "\(Int64(now.timeIntervalSince1970 + Self.lifetime))\n\(transferId.rawValue)\n\(password)"
        let box = try AES.GCM.seal(Data(payload.utf8), using: key)
        guard let combined = box.combined else { throw SealdropError.internalError }
        return Base64URL.encode(Array(combined))
    }

    /// The password the request's ticket holds for `transferId`, if the ticket is genuine and fresh.
    func password(for transferId: TransferID, in request: Request, now: Date = Date()) -> String? {
        guard let value = request.cookies[Self.cookie]?.value, value.count < 4096, let bytes = Base64URL.decode(value),
              let box = try? AES.GCM.SealedBox(combined: bytes), let plain = try? AES.GCM.open(box, using: key),
              let text = String(data: plain, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[0]), TimeInterval(expiry) > now.timeIntervalSince1970,
              parts[1] == transferId.rawValue else { return nil }
        return String(parts[2])
    }
}
