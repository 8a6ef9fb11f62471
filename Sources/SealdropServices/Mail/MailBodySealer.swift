import SealdropCore
import SealdropCrypto

/// Seals outbox bodies with the server key: `SDM1` ‖ AES-256-GCM box (nonce ‖ ciphertext ‖ tag).
///
/// What this protects against is a database file (or a backup of it) read without `server.key`; a copy of
/// the whole data dir holds both, which is why the outbox also drops each body once the relay has it.
public struct MailBodySealer: MailBodySealing {
    /// The four bytes that mark a sealed body; a plain RFC 5322 message starts with a header name instead.
    static let magic: [UInt8] = Array("SDM1".utf8)
    static let context = "outbox-body"
    let serverKey: ServerKey

    /// A sealer with the server's key.
    public init(serverKey: ServerKey) {
        self.serverKey = serverKey
    }

    public func seal(_ body: [UInt8]) throws -> [UInt8] {
        Self.magic + (try serverKey.sealSecret(body, context: Self.context))
    }

    public func open(_ stored: [UInt8]) throws -> [UInt8] {
        // Bodies queued before sealing existed are plain messages.
        guard stored.starts(with: Self.magic) else { return stored }
        return try serverKey.openSecret(Array(stored.dropFirst(Self.magic.count)), context: Self.context)
    }
}
