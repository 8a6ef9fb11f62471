import Crypto
import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Sender verification: codes by mail, tokens bound to (client id, address), validity terms, rate limits.
///
/// Codes and tokens are stored only as hashes; a code is usable only by the client id that requested it.
public struct VerificationService: Sendable {
    /// The outcome of a verification check (spec §5.4).
    public struct Status: Sendable, Equatable {
        public var verified: Bool
        public var validUntil: Date?
        public var methods: [String]
    }

    /// A newly granted token (spec §5.6).
    public struct Grant: Sendable {
        public var token: String
        public var validUntil: Date?
    }

    let repository: any VerificationRepository
    let settings: SettingsStore
    let notifications: Notifications
    /// Code requests per address, per client id, per source address, and for the whole server; each
    /// call passes the limit from the live settings.
    let codeRequests = RateLimiter(limit: 1, window: 600)
    let codeRequestsPerClient = RateLimiter(limit: 1, window: 600)
    let codeRequestsPerSource = RateLimiter(limit: 1, window: 600)
    let codeMailsPerMinute = RateLimiter(limit: 1, window: 60, maxKeys: 1)
    let codeMailsPerHour = RateLimiter(limit: 1, window: 3600, maxKeys: 1)
    let tokenRequests: RateLimiter
    let logger: Logger
    let now: @Sendable () -> Date

    static let codeAlphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    public init(repository: any VerificationRepository, settings: SettingsStore, notifications: Notifications, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.repository = repository
        self.settings = settings
        self.notifications = notifications
        self.tokenRequests = RateLimiter(limit: 30, window: 60)
        self.logger = logger
        self.now = now
    }

    /// The verification methods this client id may use.
    func methods(clientId: String) -> [String] {
        let s = settings.current.verification
        var methods: [String] = []
        if s.emailVerificationEnabled { methods.append("EMAIL") }
        if s.registeredClientIds[clientId] != nil { methods.append("CLIENT_ID") }
        return methods
    }

    /// Whether (client id, token) is a valid verification for `email`.
    public func status(email: EmailAddress, clientId: String, token: String?) async throws -> Status {
        let methods = methods(clientId: clientId)
        guard let token, !token.isEmpty, let record = try await valid(email: email, clientId: clientId, token: token) else {
            return Status(verified: false, validUntil: nil, methods: methods)
        }
        return Status(verified: true, validUntil: validUntil(record), methods: methods)
    }

    /// Mails a fresh code to `email`; earlier codes for this client id stop working.
    ///
    /// 429/2007 when the address, the client id or the source (`clientIP`; nil when unknown, as in
    /// in-process tests) asked too often, or when the server's code-mail budget is spent.
    public func requestCode(email: EmailAddress, clientId: String, clientIP: String?, language: String) async throws {
        let s = settings.current.verification
        guard s.emailVerificationEnabled else { throw SealdropError.invalidVerification }
        try checkCodeBudget(email: email, clientId: clientId, clientIP: clientIP, settings: s)
        var rng = SystemRandomNumberGenerator()
        let code = String((0..<10).map { _ in Self.codeAlphabet.randomElement(using: &rng)! })
        let salt = SecureRandom.bytes(16)
        let date = now()
        let record = VerificationCodeRecord(
            email: email, clientId: clientId, codeHash: salt + Self.codeHash(code, salt: salt, email: email, clientId: clientId),
            createdAt: date, expiresAt: date.addingTimeInterval(TimeInterval(s.codeValidityMinutes * 60))
        )
        let mail = notifications.verificationCode(to: email, code: code, validMinutes: s.codeValidityMinutes, language: language, now: date)
        try await repository.storeCode(record, mail: mail)
        logger.info("verification.code.requested", metadata: ["client.id.prefix": "\(clientId.prefix(6))"])
    }

    /// Counts a code request against every limit, the most specific first, so a flood from one client
    /// or source is cut before it spends the addresses' or the server's budget.
    func checkCodeBudget(email: EmailAddress, clientId: String, clientIP: String?, settings s: VerificationSettings) throws {
        let date = now()
        var allowed = codeRequestsPerClient.allow(clientId, limit: s.maxCodeRequestsPerClientPer10Minutes, now: date)
        if allowed, let clientIP {
            allowed = codeRequestsPerSource.allow(IPNetwork.sourceKey(clientIP), limit: s.maxCodeRequestsPerSourcePer10Minutes, now: date)
        }
        allowed = allowed && codeRequests.allow(email.normalized, limit: s.maxCodeRequestsPer10Minutes, now: date)
        allowed = allowed && codeMailsPerMinute.allow("", limit: s.maxCodeMailsPerMinute, now: date)
            && codeMailsPerHour.allow("", limit: s.maxCodeMailsPerHour, now: date)
        guard allowed else { throw SealdropError.tooManyRequests }
    }

    /// Exchanges a code (or, for a registered client id, nothing) for a token bound to (client id, email).
    public func redeem(email: EmailAddress, clientId: String, code: String?) async throws -> Grant {
        guard tokenRequests.allow(clientId, now: now()) else { throw SealdropError.tooManyRequests }
        let s = settings.current.verification
        let date = now()
        if let code, !code.isEmpty {
            guard s.emailVerificationEnabled, let stored = try await repository.code(email: email, clientId: clientId),
                  stored.expiresAt > date, stored.codeHash.count == 48 else {
                throw SealdropError.invalidVerification
            }
            let salt = Array(stored.codeHash.prefix(16))
            let expected = Array(stored.codeHash.suffix(32))
            let given = Self.codeHash(code.uppercased(), salt: salt, email: email, clientId: clientId)
            guard ConstantTime.equal(given, expected) else {
                let failures = try await repository.recordFailedCodeAttempt(email: email, clientId: clientId)
                if failures >= s.maxCodeAttempts { try await repository.deleteCode(email: email, clientId: clientId) }
                throw SealdropError.invalidVerification
            }
        } else {
            guard s.registeredClientIds[clientId] != nil else { throw SealdropError.invalidVerification }
        }
        let token = Base64URL.encode(SecureRandom.bytes(32))
        let record = VerificationRecord(
            tokenHash: VerifiedSender.hash(token: token), email: email, clientId: clientId, createdAt: date,
            maxValidUntil: s.maxValidityDays > 0 ? date.addingTimeInterval(TimeInterval(s.maxValidityDays) * 86400) : nil,
            lastUsedAt: date
        )
        try await repository.redeemCode(email: email, clientId: clientId, granting: record)
        return Grant(token: token, validUntil: validUntil(record))
    }

    /// The verified sender for a request, or 403/3002 when the token is missing, foreign or expired.
    public func authenticate(email: EmailAddress, clientId: String, token: String?) async throws -> VerifiedSender {
        guard let token, !token.isEmpty, let record = try await valid(email: email, clientId: clientId, token: token) else {
            throw SealdropError.invalidVerification
        }
        try await repository.touchVerification(tokenHash: record.tokenHash, at: now())
        return VerifiedSender(email: email, clientId: clientId, token: token)
    }

    /// Ends the verification of (email, client id, token) on the server, as when the sender removes the
    /// identity in the web app; a token that is unknown or belongs to another pair is left alone.
    public func revoke(email: EmailAddress, clientId: String, token: String) async throws {
        guard let record = try await valid(email: email, clientId: clientId, token: token) else { return }
        try await repository.deleteVerification(tokenHash: record.tokenHash)
    }

    func valid(email: EmailAddress, clientId: String, token: String) async throws -> VerificationRecord? {
        guard token.utf8.count <= 512, let record = try await repository.verification(tokenHash: VerifiedSender.hash(token: token)),
              record.email == email, record.clientId == clientId else { return nil }
        if let until = validUntil(record), until <= now() { return nil }
        return record
    }

    /// The earlier of the maximum and the idle validity ends; nil when neither applies.
    func validUntil(_ record: VerificationRecord) -> Date? {
        let idleDays = settings.current.verification.idleValidityDays
        let idleEnd = idleDays > 0 ? record.lastUsedAt.addingTimeInterval(TimeInterval(idleDays) * 86400) : nil
        switch (record.maxValidUntil, idleEnd) {
        case let (a?, b?): return min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        case (nil, nil): return nil
        }
    }

    static func codeHash(_ code: String, salt: [UInt8], email: EmailAddress, clientId: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array("\(email.normalized)\n\(clientId)\n\(code)".utf8))
        return Array(hasher.finalize())
    }
}

extension VerificationService {
    /// Ends every sender verification (the admin's "reset all verifications"); returns how many.
    public func endAllVerifications() async throws -> Int {
        try await repository.deleteAllVerifications()
    }
}
