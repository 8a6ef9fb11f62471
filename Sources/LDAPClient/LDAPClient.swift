import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Talks to one LDAPv3 directory (RFC 4511): searches over a small pool of connections bound as the
/// service account, and credential checks on connections of their own.
///
/// Every connection is protected as configured (StartTLS on `ldap://`, or LDAPS), every step runs under
/// a deadline, and every failure is an ``LDAPError`` naming `host:port`: a directory that is down, slow
/// or answers garbage never makes a caller hang. A search protocol state machine (`LDAPStateMachine`)
/// decides; `LDAPConnection` performs the I/O.
///
/// ```swift
/// let client = LDAPClient(configuration: try LDAPConfiguration(
///     url: "ldaps://dc1.example.org:636",
///     credentials: .init(bindName: "EXAMPLE\\svc-sealdrop", password: secret),
///     trustRoots: .system(plus: "/etc/sealdrop/ca.pem")), logger: logger)
/// let users = try await client.searchAllPages(LDAPSearchRequest(
///     baseObject: "dc=example,dc=org", filter: .equal("mail", address), attributes: ["mail"]))
/// await client.shutdown()
/// ```
public final class LDAPClient: Sendable {
    /// Where and how to connect.
    public let configuration: LDAPConfiguration
    private let pool: LDAPConnectionPool
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// The TLS context, built once: loading the trust roots costs far more than a search.
    private let tlsContext: Result<NIOSSLContext, any Error>?

    /// Creates a client; no connection is opened until the first call.
    public init(
        configuration: LDAPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: "ldap.host"] = "\(configuration.host)"
        logger[metadataKey: "ldap.port"] = "\(configuration.port)"
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.tlsContext = configuration.security == .plain ? nil : Result { try LDAPTLS.makeContext(trustRoots: configuration.trustRoots) }
        self.pool = LDAPConnectionPool(configuration: configuration, tlsContext: self.tlsContext, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// One search without paging: what the server returns within its own size limit.
    ///
    /// `sizeLimitExceeded` and `timeLimitExceeded` return the entries received with
    /// ``LDAPSearchResult/isComplete`` `false`; other non-success results throw ``LDAPError/Kind/operationFailed``.
    public func search(_ request: LDAPSearchRequest, controls: [LDAPControl] = []) async throws(LDAPError) -> LDAPSearchResult {
        try self.configuration.validate()
        do {
            return try await self.withConnection(retryStale: { true }) { connection in
                try await connection.search(request, controls: controls)
            }
        } catch {
            throw self.ldapError(error)
        }
    }

    /// Runs a paged search (RFC 2696) and calls `body` with each page, on one connection, until the
    /// server's cookie is empty, a page is incomplete, or `body` throws.
    ///
    /// Active Directory returns at most `MaxPageSize` (1,000) entries per page whatever is asked; the
    /// iteration does not depend on the page size the server chose. A server that ignores the control
    /// answers with one page.
    public func forEachPage(
        _ request: LDAPSearchRequest,
        pageSize: Int = 500,
        _ body: (LDAPSearchResult) async throws -> Void
    ) async throws {
        try self.configuration.validate()
        guard pageSize > 0 else {
            throw LDAPError(kind: .invalidRequest, host: self.configuration.host, port: self.configuration.port, phase: .search, message: "the page size must be positive")
        }
        var delivered = false
        try await self.withConnection(retryStale: { !delivered }) { connection in
            var cookie: [UInt8] = []
            repeat {
                let control = LDAPPagedResultsControl(size: pageSize, cookie: cookie).control
                let page = try await connection.search(request, controls: [control])
                let response: LDAPPagedResultsControl?
                do throws(LDAPDecodingError) {
                    response = try LDAPPagedResultsControl(from: page.controls)
                } catch {
                    throw LDAPError(
                        kind: .protocolViolation, host: self.configuration.host, port: self.configuration.port, phase: .search,
                        message: error.description, underlying: error
                    )
                }
                delivered = true
                try await body(page)
                guard page.isComplete else { break }
                cookie = response?.cookie ?? []
            } while !cookie.isEmpty
        }
    }

    /// Runs a paged search and collects every page; refuses to hold more than `maximumEntries`.
    ///
    /// The result's ``LDAPSearchResult/result`` and ``LDAPSearchResult/controls`` are those of the last page.
    public func searchAllPages(
        _ request: LDAPSearchRequest,
        pageSize: Int = 500,
        maximumEntries: Int = 1_000_000
    ) async throws(LDAPError) -> LDAPSearchResult {
        var all = LDAPSearchResult(result: LDAPResult(resultCode: .success))
        do {
            try await self.forEachPage(request, pageSize: pageSize) { page in
                all.entries += page.entries
                all.references += page.references
                all.result = page.result
                all.controls = page.controls
                if all.entries.count > maximumEntries {
                    throw LDAPError(
                        kind: .tooManyEntries, host: self.configuration.host, port: self.configuration.port, phase: .search,
                        message: "the search matched more than \(maximumEntries) entries"
                    )
                }
            }
        } catch {
            throw self.ldapError(error)
        }
        return all
    }

    /// Checks a user's password with a simple bind on a connection of its own, closed afterwards.
    ///
    /// `bindName` is a DN, or for Active Directory `DOMAIN\user` or `user@domain`. A refusal throws
    /// ``LDAPError/Kind/invalidCredentials`` (with ``LDAPError/activeDirectoryBindError`` for AD's reason)
    /// or ``LDAPError/Kind/bindFailed``; an empty password is refused before anything is sent.
    public func authenticate(bindName: String, password: String) async throws(LDAPError) {
        try self.configuration.validate()
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try self.tlsContext?.get()
        } catch {
            throw LDAPError(
                kind: .tlsFailed, host: self.configuration.host, port: self.configuration.port, phase: .tlsHandshake,
                message: LDAPTLS.explain(error, trustRoots: self.configuration.trustRoots), underlying: error
            )
        }
        let connection = try await LDAPConnection.connect(
            configuration: self.configuration, tlsContext: tlsContext, eventLoopGroup: self.eventLoopGroup, logger: self.logger
        )
        do {
            try await connection.bind(name: bindName, password: password)
        } catch {
            await connection.close()
            self.logger.debug("ldap.authenticate.refused", metadata: ["ldap.error.kind": "\(error.kind)"])
            throw error
        }
        await connection.close()
    }

    /// Closes the pooled connections; calls after this fail with ``LDAPError/Kind/poolShutDown``.
    public func shutdown() async {
        await self.pool.shutdown()
    }

    /// Lends `body` a pooled connection; retries once on a fresh one when a reused connection turns
    /// out to have been dropped while idle and `retryStale` allows it (nothing was delivered yet).
    private func withConnection<Result>(
        retryStale: () -> Bool,
        _ body: (LDAPConnection) async throws -> Result
    ) async throws -> Result {
        var retried = false
        while true {
            let (connection, reused) = try await self.pool.lease()
            do {
                let result = try await body(connection)
                await self.pool.release(connection)
                return result
            } catch {
                await self.pool.release(connection)
                if reused, !retried, retryStale(), let ldapError = error as? LDAPError, ldapError.kind == .connectionClosed {
                    self.logger.debug("ldap.pool.stale_connection_retried")
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    /// Every error from the pool and connections is already an ``LDAPError``; this keeps the type.
    private func ldapError(_ error: any Error) -> LDAPError {
        if let ldapError = error as? LDAPError { return ldapError }
        return LDAPError(
            kind: .protocolViolation, host: self.configuration.host, port: self.configuration.port, phase: .search,
            message: "unexpected failure (\(type(of: error)))", underlying: error
        )
    }
}
