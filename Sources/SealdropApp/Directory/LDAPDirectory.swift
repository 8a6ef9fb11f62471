import Foundation
import LDAPClient
import Logging
import SealdropCore
import SealdropServices
import Synchronization

/// The policy's directory over LDAP (`docs/directory.md`): finds the user by address, then answers `user:`,
/// `group:` and `filter:` selections, with answers cached for `directory.cacheSeconds`.
///
/// Follows `directory` in the `SettingsStore`: clients are rebuilt (and the cache emptied) when the settings
/// change. The URLs are tried in order; the next one only when a server cannot be reached. Any failure throws a
/// `DirectoryError`, which the policy treats as "not a member" (fail closed), and is kept for the status page.
final class LDAPDirectory: DirectoryMembership, DirectoryDiagnostics, Sendable {
    let settings: SettingsStore
    /// `SEALDROP_TRUST_CA`: an extra CA besides the system roots, as for the mail relay.
    let trustCAPath: String?
    let logger: Logger
    private let state: Mutex<State>

    /// An address's user entry as a lookup found it.
    struct FoundUser: Sendable { let dn: String? }

    /// The clients of the settings in force, the caches and the health figures.
    struct State: Sendable {
        var built: DirectorySettings?
        var clients: [LDAPClient] = []
        var cache = DirectoryAnswerCache<Bool>()
        /// The user entry's DN per address (nil: no enabled user holds it), so an address is looked up once,
        /// not once per selection a rule list asks about it.
        var users = DirectoryAnswerCache<FoundUser>()
        var lastFailure: DirectoryHealth.Failure?
        var lastSuccessAt: Date?
    }

    init(settings: SettingsStore, trustCAPath: String?, logger: Logger, cacheCapacity: Int = 10_000) {
        self.settings = settings
        self.trustCAPath = trustCAPath
        self.logger = logger
        self.state = Mutex(State(cache: DirectoryAnswerCache(capacity: cacheCapacity), users: DirectoryAnswerCache(capacity: cacheCapacity)))
    }

    // MARK: - DirectoryMembership

    func matches(_ address: EmailAddress, _ selection: DirectorySelection) async throws -> Bool {
        try await isMember(address.normalized, selection)
    }

    /// `matches` for an address as text (tests send what `EmailAddress` would refuse, to prove the escaping).
    func isMember(_ address: String, _ selection: DirectorySelection) async throws(DirectoryError) -> Bool {
        let current = settings.current.directory
        guard current.enabled else { throw DirectoryError(.notEnabled, "the directory is not enabled") }
        // slapd and AD both match `alice@x\0` to alice (the value is cut at the NUL): such an address is nobody.
        guard DirectoryQuery.isAskable(address) else { return false }
        let clients = try await self.clients(for: current)
        let key = address.lowercased() + "\u{0}" + selection.text
        if let known = state.withLock({ $0.cache.answer(for: key, now: Date()) }) { return known }
        do {
            let member = try await withServer(clients) { client throws(DirectoryError) in
                try await self.answer(address, selection, current, client)
            }
            let now = Date()
            state.withLock { state in
                state.cache.store(member, for: key, expires: now.addingTimeInterval(Double(current.cacheSeconds)), now: now)
                state.lastSuccessAt = now
            }
            return member
        } catch {
            record(error)
            throw error
        }
    }

    /// Finds the user, then asks the selection on the same server.
    func answer(_ address: String, _ selection: DirectorySelection, _ settings: DirectorySettings, _ client: LDAPClient) async throws(DirectoryError) -> Bool {
        guard let userDN = try await userDN(address, settings, client) else { return false }
        switch selection {
        case .user(let dn):
            return DirectoryQuery.normalizedDN(userDN) == DirectoryQuery.normalizedDN(dn)
        case .group(let dn):
            return try await exists(DirectoryQuery.groupTest(userDN: userDN, groupDN: dn, settings), client)
        case .filter(let text):
            return try await exists(DirectoryQuery.filterTest(userDN: userDN, selection: text, settings), client)
        }
    }

    /// The DN of the enabled user holding `address`, from the cache or one search.
    func userDN(_ address: String, _ settings: DirectorySettings, _ client: LDAPClient) async throws(DirectoryError) -> String? {
        let key = address.lowercased()
        if let known = state.withLock({ $0.users.answer(for: key, now: Date()) }) { return known.dn }
        let dn = try await findUser(address, settings, client)?.dn
        let now = Date()
        state.withLock { $0.users.store(FoundUser(dn: dn), for: key, expires: now.addingTimeInterval(Double(settings.cacheSeconds)), now: now) }
        return dn
    }

    /// The enabled user entry holding `address` in one of the mail attributes, or nil.
    func findUser(_ address: String, _ settings: DirectorySettings, _ client: LDAPClient) async throws(DirectoryError) -> LDAPEntry? {
        let request = try DirectoryQuery.userSearch(address, settings)
        do {
            return try DirectoryQuery.user(in: try await client.search(request).entries, address: address)
        } catch let error as LDAPError {
            throw DirectoryError(error)
        } catch let error as DirectoryError {
            throw error
        } catch {
            throw DirectoryError(.ldap, "unexpected failure (\(type(of: error)))")
        }
    }

    /// Whether a base-scope test search finds its entry; a missing entry (a deleted group) is "no".
    func exists(_ request: LDAPSearchRequest, _ client: LDAPClient) async throws(DirectoryError) -> Bool {
        do {
            return !(try await client.search(request).entries.isEmpty)
        } catch where error.result?.resultCode == .noSuchObject {
            return false
        } catch {
            throw DirectoryError(error)
        }
    }

    /// Runs `body` on the first server that can be reached; an unreachable one passes to the next.
    func withServer<T>(_ clients: [LDAPClient], _ body: (LDAPClient) async throws(DirectoryError) -> T) async throws(DirectoryError) -> T {
        var last = DirectoryError(.invalidConfiguration, "directory.urls names no server")
        for client in clients {
            do {
                return try await body(client)
            } catch {
                last = error
                guard let ldap = error.underlying, Self.tryNext(ldap) else { throw error }
            }
        }
        throw last
    }

    /// Whether another server may answer where this one failed: it could not be reached or did not speak TLS.
    static func tryNext(_ error: LDAPError) -> Bool {
        error.isTransient || [.tlsFailed, .startTLSRefused].contains(error.kind)
    }

    // MARK: - Clients

    /// The clients for `current`, rebuilt (old ones shut down, cache emptied) when the settings changed.
    func clients(for current: DirectorySettings) async throws(DirectoryError) -> [LDAPClient] {
        enum Outcome { case same([LDAPClient]), rebuilt([LDAPClient], retired: [LDAPClient]) }
        if let existing = state.withLock({ $0.built == current ? $0.clients : nil }) { return existing }
        let made = try Self.makeClients(current, trustCAPath: trustCAPath, logger: logger)
        let outcome: Outcome = state.withLock { state in
            if state.built == current { return .same(state.clients) }
            let retired = state.clients
            state.built = current
            state.clients = made
            state.cache.removeAll()
            state.users.removeAll()
            return .rebuilt(made, retired: retired)
        }
        switch outcome {
        case .same(let clients):
            for client in made { await client.shutdown() }
            return clients
        case .rebuilt(let clients, let retired):
            if !retired.isEmpty { logger.notice("directory.settings.changed", metadata: ["directory.servers": "\(current.urls.count)"]) }
            for client in retired { await client.shutdown() }
            return clients
        }
    }

    /// One client per URL (no connection is opened until used).
    static func makeClients(_ settings: DirectorySettings, trustCAPath: String?, logger: Logger) throws(DirectoryError) -> [LDAPClient] {
        try settings.urls.map { url throws(DirectoryError) in
            LDAPClient(configuration: try configuration(url: url, settings, trustCAPath: trustCAPath), logger: logger)
        }
    }

    /// The LDAP client's configuration for one URL: `ldap://` upgraded by StartTLS (required), `ldaps://`,
    /// certificates verified against the system roots plus `SEALDROP_TRUST_CA`.
    static func configuration(url: String, _ settings: DirectorySettings, trustCAPath: String?) throws(DirectoryError) -> LDAPConfiguration {
        do {
            var configuration = try LDAPConfiguration(url: url, trustRoots: trustCAPath.map { .system(plus: $0) } ?? .system)
            if !settings.bindDN.isEmpty {
                configuration.credentials = .init(bindName: settings.bindDN, password: settings.bindPassword)
            }
            configuration.timeouts = .uniform(.seconds(settings.timeoutSeconds))
            configuration.timeouts.search = .seconds(settings.timeoutSeconds)
            try configuration.validate()
            return configuration
        } catch {
            throw DirectoryError(.invalidConfiguration, "directory.urls: \(url.prefix(200)): \(error.message)")
        }
    }

    /// Closes every pooled connection.
    func shutdown() async {
        let clients = state.withLock { state in
            defer { state.clients = []; state.built = nil }
            return state.clients
        }
        for client in clients { await client.shutdown() }
    }

    // MARK: - Health

    /// Keeps the failure for the status page and logs it (the message names `host:port`, never a password).
    func record(_ error: DirectoryError) {
        guard error.kind != .notEnabled else { return }
        state.withLock { $0.lastFailure = DirectoryHealth.Failure(at: Date(), message: error.description) }
        logger.error("directory.failed", metadata: ["directory.error": "\(error.description)"])
    }

    var health: DirectoryHealth {
        let enabled = settings.current.directory.enabled
        return state.withLock { DirectoryHealth(enabled: enabled, lastFailure: $0.lastFailure, lastSuccessAt: $0.lastSuccessAt) }
    }
}
