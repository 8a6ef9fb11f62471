import Crypto
import Foundation
import Logging
import SealdropCore
import SealdropCrypto

/// Administrator accounts: bootstrap, login with lock-out, sessions, re-authentication, API tokens.
///
/// Passwords are bcrypt-hashed; session cookies and API tokens are random and stored as SHA-256 only.
/// Every change to an account and every lock is written to the audit log.
public final class AdminAccounts: Sendable {
    /// Lock-out and session lifetimes.
    public struct Policy: Sendable {
        /// Wrong passwords in a row that lock an account.
        public var maxFailures = 5
        public var lockDuration: TimeInterval = 15 * 60
        /// A session ends after this long without a request.
        public var sessionIdle: TimeInterval = 30 * 60
        /// A session ends this long after sign-in, however active: a stolen cookie is not good forever.
        public var sessionLifetime: TimeInterval = 12 * 60 * 60
        /// Sensitive actions need the password entered within this window.
        public var reauthenticationWindow: TimeInterval = 5 * 60
        /// Shortest accepted administrator password.
        public var minimumPasswordLength = 12
        /// Longest accepted administrator password in UTF-8 bytes: bcrypt ignores everything after byte 72.
        public static let maximumPasswordBytes = 72

        public init() {}
    }

    let repository: any AdminRepository
    let audit: AuditLog
    let hasher: AdminPasswordHasher
    public let policy: Policy
    let logger: Logger
    /// The current time; tests move it by hand.
    let clock: @Sendable () -> Date
    /// Verified against for unknown names, so they take as long as known ones.
    private let dummyHash: String
    /// Password checks per client address: bcrypt is costly, a flood must not starve the derivation threads.
    private let attemptsPerAddress = RateLimiter(limit: 30, window: 60)

    public init(repository: any AdminRepository, audit: AuditLog, hasher: AdminPasswordHasher, policy: Policy = Policy(), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.repository = repository
        self.audit = audit
        self.hasher = hasher
        self.policy = policy
        self.logger = logger
        self.clock = now
        self.dummyHash = "$2b$\(String(format: "%02d", hasher.cost))$" + String(repeating: "A", count: 53)
    }

    // MARK: - Accounts

    /// On first start (no account yet) creates `admin` with `password`, or with a generated one-time
    /// password that is returned so the caller prints it once. Returns nil when accounts exist.
    public func bootstrap(password: String?) async throws -> (name: String, generatedPassword: String?)? {
        guard try await repository.adminAccounts().isEmpty else { return nil }
        let chosen = password ?? Self.randomText(bytes: 15)
        try await create(name: "admin", role: .administrator, password: chosen, by: "system")
        return ("admin", password == nil ? chosen : nil)
    }

    /// Creates an account; the name must be free and the password long enough.
    public func create(name: String, role: AdminRole, password: String, by actor: String) async throws {
        var problems: [FieldProblem] = []
        if !AdminAccount.isValidName(name) { problems.append(FieldProblem("name", "Use 1 to 64 letters, digits, dots, dashes, underscores or @.")) }
        if let problem = passwordProblem(password) { problems.append(FieldProblem("password", problem)) }
        if !problems.isEmpty { throw AdminError.invalid(problems) }
        let account = AdminAccount(name: name, role: role, passwordHash: try await hasher.hash(password), createdAt: clock())
        guard try await repository.insertAdminAccount(account) else {
            throw AdminError.invalid([FieldProblem("name", "An administrator with this name exists already.")])
        }
        try await audit.record(actor: actor, action: "admin.create", target: name, new: "role=\(role.rawValue)")
        logger.notice("admin.account.created", metadata: ["admin.name": "\(name)", "admin.role": "\(role.rawValue)", "actor": "\(actor)"])
    }

    public func accounts() async throws -> [AdminAccount] { try await repository.adminAccounts() }

    public func account(named name: String) async throws -> AdminAccount {
        guard let account = try await repository.adminAccount(named: name) else { throw AdminError.notFound("Administrator \(name)") }
        return account
    }

    /// Changes an account's role; the last enabled Administrator keeps its role.
    public func setRole(_ name: String, to role: AdminRole, by actor: String) async throws {
        var account = try await account(named: name)
        guard account.role != role else { return }
        if account.role == .administrator, try await !hasAnotherActiveAdministrator(than: name) {
            throw AdminError.conflict("The last enabled Administrator cannot lose the role.")
        }
        let old = account.role
        account.role = role
        try await repository.updateAdminAccount(account)
        try await repository.deleteAdminSessions(accountName: name)
        try await audit.record(actor: actor, action: "admin.role", target: name, old: old.rawValue, new: role.rawValue)
    }

    /// Disables or enables an account; disabling signs it out everywhere. Nobody disables the last Administrator.
    public func setDisabled(_ name: String, _ disabled: Bool, by actor: String) async throws {
        var account = try await account(named: name)
        guard account.disabled != disabled else { return }
        if disabled, account.role == .administrator, try await !hasAnotherActiveAdministrator(than: name) {
            throw AdminError.conflict("The last enabled Administrator cannot be disabled.")
        }
        account.disabled = disabled
        if !disabled { (account.failedAttempts, account.lockedUntil) = (0, nil) }
        try await repository.updateAdminAccount(account)
        if disabled { try await repository.deleteAdminSessions(accountName: name) }
        try await audit.record(actor: actor, action: disabled ? "admin.disable" : "admin.enable", target: name)
    }

    /// Sets a new password (and lifts a lock); the account is signed out everywhere.
    public func resetPassword(_ name: String, to password: String, by actor: String) async throws {
        if let problem = passwordProblem(password) { throw AdminError.invalid([FieldProblem("password", problem)]) }
        var account = try await account(named: name)
        account.passwordHash = try await hasher.hash(password)
        (account.failedAttempts, account.lockedUntil) = (0, nil)
        try await repository.updateAdminAccount(account)
        try await repository.deleteAdminSessions(accountName: name)
        try await audit.record(actor: actor, action: "admin.password-reset", target: name, old: "••••", new: "••••")
    }

    private func hasAnotherActiveAdministrator(than name: String) async throws -> Bool {
        try await repository.adminAccounts().contains { $0.role == .administrator && !$0.disabled && $0.name.lowercased() != name.lowercased() }
    }

    func passwordProblem(_ password: String) -> String? {
        if password.count < policy.minimumPasswordLength { return "Use at least \(policy.minimumPasswordLength) characters." }
        if password.utf8.count > Policy.maximumPasswordBytes {
            return "Use at most \(Policy.maximumPasswordBytes) bytes (bcrypt ignores the rest); letters beyond ASCII take 2 to 4 bytes each."
        }
        return nil
    }

    // MARK: - Login and sessions

    /// Checks name and password and opens a session; after `maxFailures` wrong passwords in a row the
    /// account is locked for `lockDuration` and every login is refused until then, right password or not.
    /// Unknown names, wrong passwords and locked accounts all fail with `invalidCredentials` after one bcrypt
    /// run, so neither the answer nor its timing tells which names exist.
    public func login(name: String, password: String, from address: String?, now: Date? = nil) async throws -> (cookie: String, session: AdminSession, account: AdminAccount) {
        let now = now ?? clock()
        let account: AdminAccount
        do {
            account = try await verifyPassword(name: name, password: password, from: address, now: now)
        } catch AdminError.accountLocked {
            throw AdminError.invalidCredentials
        }
        try await repository.deleteAdminSessions(idleSince: now.addingTimeInterval(-policy.sessionIdle),
                                                 createdBefore: now.addingTimeInterval(-policy.sessionLifetime))
        let cookie = Self.randomText(bytes: 32)
        let session = AdminSession(tokenHash: Self.digest(cookie), accountName: account.name,
                                   csrfToken: Self.randomText(bytes: 32), createdAt: now, lastSeenAt: now, authenticatedAt: now)
        try await repository.insertAdminSession(session)
        try await audit.record(actor: account.name, action: "login", target: account.name, new: address)
        return (cookie, session, account)
    }

    /// The account if `password` is its password; counts failures toward the lock-out and audits them.
    ///
    /// Every wrong password is counted in one atomic statement (concurrent guesses cannot overwrite each
    /// other's count), and a right one signs in only if the account is still unlocked after bcrypt ran.
    /// Throws `accountLocked` for a known, locked account; `login` hides that as `invalidCredentials`.
    func verifyPassword(name: String, password: String, from address: String?, now: Date) async throws -> AdminAccount {
        if let address, !attemptsPerAddress.allow(address, now: now) { throw AdminError.tooManyAttempts }
        // bcrypt reads only 72 bytes: a longer password is never right, and is not checked in truncated form.
        let checkable = password.utf8.count <= Policy.maximumPasswordBytes
        guard password.utf8.count <= 1024, name.utf8.count <= 256, var account = try await repository.adminAccount(named: name) else {
            _ = try await hasher.verify(String(password.prefix(Policy.maximumPasswordBytes)), hash: dummyHash)
            try await audit.record(actor: "anonymous", action: "login.failed", target: String(name.prefix(64)), new: address)
            throw AdminError.invalidCredentials
        }
        // bcrypt runs for locked accounts too, so a lock cannot be told from a wrong password by the time taken.
        var right = false
        if checkable {
            right = try await hasher.verify(password, hash: account.passwordHash)
        } else {
            _ = try await hasher.verify(String(password.prefix(Policy.maximumPasswordBytes)), hash: dummyHash)
        }
        let lockedBefore = account.lockedUntil.map { $0 > now } ?? false
        guard right else {
            guard let counted = try await repository.recordAdminLoginFailure(name: account.name, maxFailures: policy.maxFailures,
                                                                            lockUntil: now.addingTimeInterval(policy.lockDuration), now: now) else {
                throw AdminError.invalidCredentials
            }
            var records = [AuditRecord(actor: "anonymous", action: lockedBefore ? "login.refused-locked" : "login.failed", target: account.name, newValue: address)]
            if counted.failedAttempts == policy.maxFailures, let until = counted.lockedUntil {
                records.append(AuditRecord(actor: "system", action: "admin.locked", target: account.name,
                                           newValue: "until \(ISO8601DateFormatter().string(from: until))"))
                logger.warning("admin.account.locked", metadata: ["admin.name": "\(account.name)", "client.ip": "\(address ?? "-")"])
            }
            try await audit.record(records)
            if let until = counted.lockedUntil, until > now { throw AdminError.accountLocked(until: until) }
            throw AdminError.invalidCredentials
        }
        if lockedBefore, let until = account.lockedUntil {
            try await audit.record(actor: "anonymous", action: "login.refused-locked", target: account.name, new: address)
            throw AdminError.accountLocked(until: until)
        }
        if account.disabled {
            try await audit.record(actor: "anonymous", action: "login.refused-disabled", target: account.name, new: address)
            throw AdminError.accountDisabled
        }
        // Wrong guesses running in parallel may have locked the account while bcrypt ran.
        guard try await repository.recordAdminLoginSuccess(name: account.name, now: now) else {
            let until = try await repository.adminAccount(named: account.name)?.lockedUntil ?? now.addingTimeInterval(policy.lockDuration)
            try await audit.record(actor: "anonymous", action: "login.refused-locked", target: account.name, new: address)
            throw AdminError.accountLocked(until: until)
        }
        (account.failedAttempts, account.lockedUntil, account.lastLoginAt) = (0, nil, now)
        return account
    }

    /// The session and account behind a cookie value, if the session is neither idle too long nor older than
    /// `sessionLifetime` and the account is enabled; a found session counts as activity.
    public func session(cookie: String, now: Date? = nil) async throws -> (session: AdminSession, account: AdminAccount)? {
        let now = now ?? clock()
        guard cookie.count == 43, var session = try await repository.adminSession(tokenHash: Self.digest(cookie)) else { return nil }
        guard now.timeIntervalSince(session.lastSeenAt) < policy.sessionIdle, now.timeIntervalSince(session.createdAt) < policy.sessionLifetime else {
            try await repository.deleteAdminSession(tokenHash: session.tokenHash)
            return nil
        }
        guard let account = try await repository.adminAccount(named: session.accountName), !account.disabled else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) > 30 {
            session.lastSeenAt = now
            try await repository.updateAdminSession(session)
        }
        return (session, account)
    }

    /// Whether the session's password entry is recent enough for a sensitive action.
    public func isRecentlyAuthenticated(_ session: AdminSession, now: Date? = nil) -> Bool {
        (now ?? clock()).timeIntervalSince(session.authenticatedAt) < policy.reauthenticationWindow
    }

    /// Confirms the password of the session's account for sensitive actions; wrong passwords count
    /// toward the lock-out like logins.
    public func reauthenticate(_ session: AdminSession, password: String, from address: String?, now: Date? = nil) async throws -> AdminSession {
        let now = now ?? clock()
        _ = try await verifyPassword(name: session.accountName, password: password, from: address, now: now)
        try await audit.record(actor: session.accountName, action: "reauthenticate", target: session.accountName, new: address)
        var updated = session
        updated.authenticatedAt = now
        updated.lastSeenAt = now
        try await repository.updateAdminSession(updated)
        return updated
    }

    public func logout(cookie: String) async throws {
        try await repository.deleteAdminSession(tokenHash: Self.digest(cookie))
    }

    // MARK: - API tokens

    /// Creates a token for the admin JSON API and returns it; only its hash is kept.
    public func createToken(label: String, role: AdminRole, by actor: String) async throws -> (id: Int64, token: String) {
        let label = label.trimmingCharacters(in: .whitespaces)
        guard (1...80).contains(label.count), !label.contains(where: \.isNewline) else {
            throw AdminError.invalid([FieldProblem("label", "Name the token in 1 to 80 characters.")])
        }
        let token = "sdt_" + Self.randomText(bytes: 32)
        let id = try await repository.insertAdminToken(AdminAPIToken(tokenHash: Self.digest(token), label: label, role: role, createdBy: actor, createdAt: clock()))
        try await audit.record(actor: actor, action: "token.create", target: label, new: "role=\(role.rawValue)")
        return (id, token)
    }

    /// The token a bearer value names, if any; its use is recorded.
    public func token(bearer: String, now: Date? = nil) async throws -> AdminAPIToken? {
        let now = now ?? clock()
        guard bearer.hasPrefix("sdt_"), bearer.count == 47, let token = try await repository.adminToken(tokenHash: Self.digest(bearer)) else { return nil }
        if let id = token.id, token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await repository.touchAdminToken(id: id, at: now)
        }
        return token
    }

    public func tokens() async throws -> [AdminAPIToken] { try await repository.adminTokens() }

    public func deleteToken(id: Int64, by actor: String) async throws {
        guard let token = try await repository.adminTokens().first(where: { $0.id == id }) else { throw AdminError.notFound("Token \(id)") }
        try await repository.deleteAdminToken(id: id)
        try await audit.record(actor: actor, action: "token.delete", target: token.label)
    }

    public static func digest(_ text: String) -> [UInt8] { Array(SHA256.hash(data: Array(text.utf8))) }

    /// `bytes` random bytes as unpadded base64url (cookie- and URL-safe).
    static func randomText(bytes: Int) -> String {
        Base64URL.encode(SecureRandom.bytes(bytes))
    }
}
