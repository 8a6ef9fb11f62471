import Foundation

/// One row of the append-only audit log: who changed what, when, from which value to which.
///
/// Rows are hash-chained: `hash = SHA-256(previous hash ‖ canonical row)`, so editing or deleting a
/// row breaks every later link (`sealdrop audit verify`). Rows of link format 2 (written since migration
/// `0013-retention`) hash a digest of their details (old and new value) instead of the details, so the
/// retention task can purge the details and the chain still verifies (`docs/retention.md`).
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    /// The account name, `token:<label>` for an API token, or `system`.
    public var actor: String
    /// What happened: `settings.change`, `admin.create`, `login.failed`, `transfer.delete`, …
    public var action: String
    /// What it happened to: a settings key path, an account name, a tracking id.
    public var target: String
    /// Old and new value as text; secrets are masked before they get here.
    public var oldValue: String?
    public var newValue: String?
    /// Hex SHA-256 of the previous row (64 zeros for the first).
    public var previousHash: String
    /// Hex SHA-256 of this row.
    public var hash: String
    /// 1: the details are hashed as they are (rows before `0013-retention`); 2: their digest is.
    public var link: Int
    /// Hex SHA-256 of `detailsBytes()` (link 2), kept when the details are purged.
    public var detailsDigest: String?
    /// When retention purged the details (old and new value are nil since).
    public var detailsPurgedAt: Date?

    /// The link format of new rows.
    public static let currentLink = 2

    public init(id: Int64, at: Date, actor: String, action: String, target: String, oldValue: String?, newValue: String?,
                previousHash: String, hash: String, link: Int = AuditEntry.currentLink, detailsDigest: String? = nil,
                detailsPurgedAt: Date? = nil) {
        self.link = link
        self.detailsDigest = detailsDigest
        self.detailsPurgedAt = detailsPurgedAt
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.oldValue = oldValue
        self.newValue = newValue
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The bytes hashed for this row after the previous hash: fields joined by NUL, lengths first,
    /// so no two different rows serialize alike. Link 1: the details themselves; link 2: `#` and their digest.
    public func canonicalBytes() -> [UInt8] {
        let head = [String(id), String(Int64((at.timeIntervalSince1970 * 1000).rounded())), actor, action, target]
        if link >= 2 { return Self.encode(head + ["#" + (detailsDigest ?? "")]) }
        return Self.encode(head + detailFields)
    }

    /// The bytes whose SHA-256 is `detailsDigest`: old and new value encoded as link 1 encodes them.
    public func detailsBytes() -> [UInt8] { Self.encode(detailFields) }

    var detailFields: [String] { [oldValue.map { "+" + $0 } ?? "-", newValue.map { "+" + $0 } ?? "-"] }

    static func encode(_ fields: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for field in fields {
            let utf8 = Array(field.utf8)
            bytes += Array(String(utf8.count).utf8) + [0] + utf8 + [0]
        }
        return bytes
    }

    /// The hash of the first row's predecessor.
    public static let genesisHash = String(repeating: "0", count: 64)
}

/// An audit record before it gets its id and hashes.
public struct AuditRecord: Sendable, Equatable {
    public var actor: String
    public var action: String
    public var target: String
    public var oldValue: String?
    public var newValue: String?

    public init(actor: String, action: String, target: String, oldValue: String? = nil, newValue: String? = nil) {
        self.actor = actor
        self.action = action
        self.target = target
        self.oldValue = oldValue
        self.newValue = newValue
    }
}
