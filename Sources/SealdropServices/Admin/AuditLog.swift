import Crypto
import Foundation
import SealdropCore

/// The append-only, hash-chained audit log of administrative actions.
public struct AuditLog: Sendable {
    /// What `verify()` found.
    public enum Verification: Sendable, Equatable {
        /// Every link holds; `count` rows checked.
        case intact(count: Int)
        /// The first row whose link is broken, and why.
        case broken(id: Int64, reason: String)
    }

    let repository: any AdminRepository

    public init(repository: any AdminRepository) {
        self.repository = repository
    }

    /// Appends records in one transaction, chained to the current last row.
    public func record(_ records: [AuditRecord], at date: Date = Date()) async throws {
        try await repository.appendAudit(records, at: date, hash: Self.hash)
    }

    /// Appends one record.
    public func record(actor: String, action: String, target: String, old: String? = nil, new: String? = nil) async throws {
        try await record([AuditRecord(actor: actor, action: action, target: target, oldValue: old, newValue: new)])
    }

    /// The newest `limit` entries, newest first.
    public func recent(limit: Int) async throws -> [AuditEntry] {
        try await repository.recentAuditEntries(limit: limit)
    }

    /// Up to `limit` entries after id `afterId`, oldest first (for paging through the chain).
    public func entries(afterId: Int64, limit: Int) async throws -> [AuditEntry] {
        try await repository.auditEntries(afterId: afterId, limit: limit)
    }

    /// Walks the whole chain: ids without gaps from 1, each row pointing at its predecessor's hash and
    /// hashing to its stored hash. A link-2 row hashes its details' digest; while its details are there they must
    /// match the digest, and once retention purged them the digest alone carries the link (`docs/retention.md`).
    public func verify() async throws -> Verification {
        var previous = AuditEntry.genesisHash
        var lastId: Int64 = 0
        var count = 0
        while true {
            let page = try await repository.auditEntries(afterId: lastId, limit: 1000)
            if page.isEmpty { return .intact(count: count) }
            for entry in page {
                if entry.id != lastId + 1 {
                    return .broken(id: entry.id, reason: "row \(lastId + 1) is missing (deleted?)")
                }
                if entry.previousHash != previous {
                    return .broken(id: entry.id, reason: "does not point at the hash of row \(lastId)")
                }
                if entry.link >= 2 {
                    guard let digest = entry.detailsDigest else {
                        return .broken(id: entry.id, reason: "its details digest is missing (edited?)")
                    }
                    if entry.detailsPurgedAt != nil, entry.oldValue != nil || entry.newValue != nil {
                        return .broken(id: entry.id, reason: "it shows details although they were purged (edited?)")
                    }
                    if entry.detailsPurgedAt == nil, Self.hash("", entry.detailsBytes()) != digest {
                        return .broken(id: entry.id, reason: "its details do not match their digest (edited?)")
                    }
                }
                if Self.hash(previous, entry.canonicalBytes()) != entry.hash {
                    return .broken(id: entry.id, reason: "its content does not match its hash (edited?)")
                }
                previous = entry.hash
                lastId = entry.id
                count += 1
            }
        }
    }

    /// Lower-case hex SHA-256 of the previous hash's text followed by the row's canonical bytes.
    @Sendable public static func hash(_ previous: String, _ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previous.utf8))
        hasher.update(data: bytes)
        return Hex.encode(hasher.finalize())
    }
}
