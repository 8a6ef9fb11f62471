import Foundation
import Logging
import SealdropCore
import Synchronization

/// The administrator's logo: checked by `LogoCheck`, stored through the repository, kept in memory for every
/// mail and page, each change audited. Product name and colours are ordinary settings (`branding.*`).
public final class BrandingService: Sendable {
    let repository: any LogoRepository
    let audit: AuditLog
    let logger: Logger
    private let stored = Mutex<StoredLogo?>(nil)
    /// Changes one at a time, so the audit's old and new values follow the order of the writes.
    private let changes = AsyncBudget(limit: 1)

    public init(repository: any LogoRepository, audit: AuditLog, logger: Logger) {
        self.repository = repository
        self.audit = audit
        self.logger = logger
    }

    /// Reads the stored logo; at start, before any listener answers.
    public func load() async throws {
        let logo = try await repository.logo()
        stored.withLock { $0 = logo }
    }

    /// The logo now, if one was uploaded.
    public var logo: StoredLogo? { stored.withLock { $0 } }

    /// Checks `bytes` and makes them the logo. Refusals are `AdminError.invalid` on the field `logo`, and
    /// nothing is stored.
    @discardableResult
    public func upload(_ bytes: [UInt8], by actor: String, now: Date = Date()) async throws -> StoredLogo {
        let mediaType: String
        do {
            mediaType = try LogoCheck().mediaType(of: bytes)
        } catch {
            throw AdminError.invalid([FieldProblem("logo", error.message)])
        }
        await changes.acquire()
        defer { changes.release() }
        let logo = StoredLogo(mediaType: mediaType, bytes: bytes, uploadedBy: actor, uploadedAt: now)
        let old = self.logo
        try await repository.saveLogo(logo)
        stored.withLock { $0 = logo }
        try await audit.record(actor: actor, action: "branding.logo", target: "logo", old: old.map { "\($0.mediaType), \($0.bytes.count) bytes" },
                               new: "\(mediaType), \(bytes.count) bytes")
        logger.notice("branding.logo.uploaded", metadata: ["media.type": "\(mediaType)", "bytes": "\(bytes.count)", "actor": "\(actor)"])
        return logo
    }

    /// Removes the logo; false when there was none.
    public func delete(by actor: String) async throws -> Bool {
        await changes.acquire()
        defer { changes.release() }
        guard let old = logo, try await repository.deleteLogo() else { return false }
        stored.withLock { $0 = nil }
        try await audit.record(actor: actor, action: "branding.logo", target: "logo", old: "\(old.mediaType), \(old.bytes.count) bytes", new: nil)
        return true
    }
}
