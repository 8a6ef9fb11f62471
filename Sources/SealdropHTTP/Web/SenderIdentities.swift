import Foundation
import Hummingbird
import SealdropCore

/// The verified sender identities a browser holds, in the cookies of spec §1.10: `client_id`,
/// `active_user` (the selected index), and per identity N `user_emailN`, `sender_nameN`, `sender_phoneN`,
/// `verification_tokenN`. All are `HttpOnly`, `Secure`, `SameSite=Strict`; the identity cookies live as
/// long as the verification.
struct SenderIdentities {
    /// One verified identity.
    struct Identity {
        var index: Int
        var email: EmailAddress
        var name: String
        var phone: String
        var token: String
    }

    static let maxIdentities = 10
    static let clientIdCookie = "client_id"

    let identities: [Identity]
    let activeIndex: Int?
    let clientId: String?

    init(_ request: Request) {
        var found: [Identity] = []
        for n in 0..<Self.maxIdentities {
            guard let emailText = request.cookies["user_email\(n)"]?.value.removingPercentEncoding,
                  let email = EmailAddress(emailText),
                  let token = request.cookies["verification_token\(n)"]?.value, !token.isEmpty else { continue }
            // Cookies are the browser's to change: shown and passed on only as clean single lines.
            found.append(Identity(index: n, email: email,
                                  name: DisplayText.singleLine(request.cookies["sender_name\(n)"]?.value.removingPercentEncoding ?? ""),
                                  phone: DisplayText.singleLine(request.cookies["sender_phone\(n)"]?.value.removingPercentEncoding ?? ""),
                                  token: token))
        }
        identities = found
        let active = request.cookies["active_user"].flatMap { Int($0.value) }
        activeIndex = found.contains { $0.index == active } ? active : found.first?.index
        clientId = request.cookies[Self.clientIdCookie]?.value
    }

    /// The selected identity, if any.
    var active: Identity? { identities.first { $0.index == activeIndex } }

    /// The browser's client id, or a new one with the cookie that sets it (kept a year).
    static func clientId(for request: Request) -> (id: String, setCookie: String?) {
        if let existing = request.cookies[clientIdCookie]?.value, ClientID(rawValue: existing) != nil { return (existing, nil) }
        let id = ClientID.random().rawValue
        return (id, WebCookies.make(clientIdCookie, id, maxAge: 365 * 86400))
    }

    /// Cookie-safe text: one clean line (`DisplayText.singleLine`), percent-encoded UTF-8, at most 200 characters.
    static func cookieText(_ value: String) -> String {
        String(DisplayText.singleLine(value).prefix(200)).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// The cookies that store `identity` at its index for `maxAge` seconds, and make it active.
    static func store(_ identity: Identity, maxAge: Int) -> [String] {
        let n = identity.index
        return [
            WebCookies.make("user_email\(n)", cookieText(identity.email.address), maxAge: maxAge),
            WebCookies.make("sender_name\(n)", cookieText(identity.name), maxAge: maxAge),
            WebCookies.make("sender_phone\(n)", cookieText(identity.phone), maxAge: maxAge),
            WebCookies.make("verification_token\(n)", identity.token, maxAge: maxAge),
            WebCookies.make("active_user", "\(n)", maxAge: maxAge),
        ]
    }

    /// The cookies that remove the identity at `index`.
    static func remove(_ index: Int) -> [String] {
        ["user_email", "sender_name", "sender_phone", "verification_token"].map { WebCookies.delete("\($0)\(index)") }
    }

    /// The index a new identity for `email` takes: its existing one, else the first free one (else the last).
    func index(for email: EmailAddress) -> Int {
        if let existing = identities.first(where: { $0.email == email }) { return existing.index }
        let used = Set(identities.map(\.index))
        return (0..<Self.maxIdentities).first { !used.contains($0) } ?? Self.maxIdentities - 1
    }
}
