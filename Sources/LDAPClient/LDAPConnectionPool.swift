import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A small pool of connections to one directory, opened on demand, protected and bound as the service
/// account, and lent to one operation at a time.
///
/// A connection that failed, timed out or was dropped by the server is closed instead of returned, so
/// the next lease opens a fresh one: the pool reconnects by itself after the directory comes back. At
/// most ``LDAPConfiguration/maximumConnections`` are open; further callers wait for one to be returned, at
/// most ``LDAPConfiguration/Timeouts/connectionWait``, and stop waiting when their task is cancelled.
final class LDAPConnectionPool: Sendable {
    /// A caller waiting for a connection; resumed with one, or with `nil` when it may open its own.
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<LDAPConnection?, any Error>
    }

    private struct State {
        var idle: [LDAPConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let configuration: LDAPConfiguration
    private let tlsContext: Result<NIOSSLContext, any Error>?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    /// Creates an empty pool; nothing is opened until the first lease.
    init(configuration: LDAPConfiguration, tlsContext: Result<NIOSSLContext, any Error>?, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// A ready connection, and whether it was reused (a reused one may have gone stale unnoticed).
    func lease() async throws(LDAPError) -> (connection: LDAPConnection, reused: Bool) {
        var stale: [LDAPConnection] = []
        var timer: Scheduled<Void>?
        let waiterID = self.state.withLock { state in
            defer { state.nextWaiterID &+= 1 }
            return state.nextWaiterID
        }
        let leased: LDAPConnection?
        do {
            leased = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<LDAPConnection?, any Error>) in
                    enum Immediate {
                        case use(LDAPConnection)
                        case open
                        case shutDown
                        case cancelled
                        case waiting
                    }
                    let immediate = self.state.withLock { state -> Immediate in
                        if state.isShutDown { return .shutDown }
                        while let connection = state.idle.popLast() {
                            if connection.isUsable { return .use(connection) }
                            state.open -= 1
                            stale.append(connection)
                        }
                        if state.open < self.configuration.maximumConnections {
                            state.open += 1
                            return .open
                        }
                        // Checked under the lock the cancellation handler takes, so no waiter is left behind.
                        if Task.isCancelled { return .cancelled }
                        state.waiters.append(Waiter(id: waiterID, continuation: continuation))
                        return .waiting
                    }
                    switch immediate {
                    case .use(let connection): continuation.resume(returning: connection)
                    case .open: continuation.resume(returning: nil)
                    case .shutDown: continuation.resume(throwing: self.error(.poolShutDown, "the directory client was shut down"))
                    case .cancelled: continuation.resume(throwing: self.cancelledError())
                    case .waiting:
                        let limit = self.configuration.timeouts.connectionWait
                        timer = self.eventLoopGroup.any().scheduleTask(in: TimeAmount(limit)) {
                            self.failWaiter(waiterID, self.error(
                                .timeout, "no pooled connection became free within \(limit) (all \(self.configuration.maximumConnections) are in use)",
                                phase: .connectionWait
                            ))
                        }
                    }
                }
            } onCancel: {
                self.failWaiter(waiterID, self.cancelledError())
            }
        } catch {
            timer?.cancel()
            for connection in stale { await connection.close() }
            throw (error as? LDAPError) ?? self.error(.poolShutDown, "the directory client was shut down")
        }
        timer?.cancel()
        for connection in stale { await connection.close() }
        if let leased { return (leased, true) }
        do {
            return (try await self.open(), false)
        } catch {
            self.slotFreed()
            throw error
        }
    }

    /// Returns a connection: kept when still usable, otherwise closed and its slot freed.
    func release(_ connection: LDAPConnection) async {
        if connection.isUsable {
            let handedOver = self.state.withLock { state -> Bool in
                if state.isShutDown { return false }
                if !state.waiters.isEmpty {
                    state.waiters.removeFirst().continuation.resume(returning: connection)
                } else {
                    state.idle.append(connection)
                }
                return true
            }
            if handedOver { return }
        }
        self.slotFreed()
        await connection.close()
    }

    /// Closes the idle connections and refuses further leases; lent connections close when returned.
    func shutdown() async {
        let (idle, waiters) = self.state.withLock { state in
            state.isShutDown = true
            defer {
                state.open -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: self.error(.poolShutDown, "the directory client was shut down")) }
        for connection in idle { await connection.close() }
    }

    /// A slot is free again: a waiter may open its own connection in it.
    private func slotFreed() {
        self.state.withLock { state in
            if !state.waiters.isEmpty && !state.isShutDown {
                state.waiters.removeFirst().continuation.resume(returning: nil)
            } else {
                state.open -= 1
            }
        }
    }

    /// Ends one caller's wait with `error` (its deadline passed or its task was cancelled); a no-op once
    /// the caller got a connection.
    private func failWaiter(_ id: UInt64, _ error: LDAPError) {
        let waiter = self.state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    private func cancelledError() -> LDAPError {
        self.error(.cancelled, "the caller cancelled while waiting for a pooled connection", phase: .connectionWait)
    }

    /// Opens, protects and binds a new connection.
    private func open() async throws(LDAPError) -> LDAPConnection {
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try self.tlsContext?.get()
        } catch {
            throw self.error(.tlsFailed, LDAPTLS.explain(error, trustRoots: self.configuration.trustRoots), phase: .tlsHandshake, underlying: error)
        }
        let connection = try await LDAPConnection.connect(
            configuration: self.configuration, tlsContext: tlsContext, eventLoopGroup: self.eventLoopGroup, logger: self.logger
        )
        if let credentials = self.configuration.credentials {
            do {
                try await connection.bind(name: credentials.bindName, password: credentials.password)
            } catch {
                await connection.close()
                throw error
            }
        }
        self.logger.debug("ldap.pool.connection_opened")
        return connection
    }

    private func error(_ kind: LDAPError.Kind, _ message: String, phase: LDAPPhase = .connect, underlying: (any Error)? = nil) -> LDAPError {
        LDAPError(kind: kind, host: self.configuration.host, port: self.configuration.port, phase: phase, message: message, underlying: underlying)
    }
}
