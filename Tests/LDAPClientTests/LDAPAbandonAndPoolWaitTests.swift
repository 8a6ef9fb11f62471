import Logging
import Synchronization
import Testing

@testable import LDAPClient

/// A search cut short (deadline or cancelled caller) is abandoned on the wire; a caller waiting for a
/// pooled connection gives up after its own deadline or when cancelled.
@Suite struct LDAPAbandonAndPoolWaitTests {
    private let logger = Logger(label: "sealdrop.ldap.tests")
    private let request = LDAPSearchRequest(baseObject: "dc=example,dc=org", filter: .equal("uid", "alice"))

    /// The requests a scripted server received, in order.
    private final class Received: Sendable {
        let messages = Mutex<[LDAPMessage]>([])
        func record(_ message: LDAPMessage) { self.messages.withLock { $0.append(message) } }
        var all: [LDAPMessage] { self.messages.withLock { $0 } }

        /// Waits up to 2 s for `predicate` to hold (the abandon arrives just before the close).
        func eventually(_ predicate: ([LDAPMessage]) -> Bool) async -> Bool {
            for _ in 0..<200 {
                if predicate(self.all) { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }

    private func client(port: Int, timeouts: LDAPConfiguration.Timeouts, maximumConnections: Int = 4) -> LDAPClient {
        LDAPClient(
            configuration: LDAPConfiguration(host: "127.0.0.1", port: port, security: .plain, timeouts: timeouts, maximumConnections: maximumConnections),
            logger: self.logger
        )
    }

    /// Whether `messages` hold a search and, after it, an Abandon naming that search's message ID.
    private static func abandonsTheSearch(_ messages: [LDAPMessage]) -> Bool {
        guard let search = messages.first(where: { if case .searchRequest = $0.operation { true } else { false } }) else { return false }
        return messages.contains { $0.operation == .abandonRequest(search.messageID) && $0.messageID > search.messageID }
    }

    @Test func aSearchPastItsDeadlineIsAbandonedBeforeTheConnectionCloses() async throws {
        let received = Received()
        try await withScriptedLDAPServer({ message in
            received.record(message)
            return []  // Never answers.
        }) { port in
            var timeouts = LDAPConfiguration.Timeouts.uniform(.seconds(30))
            timeouts.search = .milliseconds(300)
            let client = self.client(port: port, timeouts: timeouts)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .timeout)
            #expect(await received.eventually(Self.abandonsTheSearch), "received \(received.all.map(\.operation.name))")
            await client.shutdown()
        }
    }

    @Test func aCancelledSearchIsAbandonedAndReportedAsCancelled() async throws {
        let received = Received()
        try await withScriptedLDAPServer({ message in
            received.record(message)
            return []
        }) { port in
            let client = self.client(port: port, timeouts: .uniform(.seconds(30)))
            let request = self.request
            let search = Task { try await client.search(request) }
            #expect(await received.eventually { $0.contains { $0.operation.name == "searchRequest" } })
            let started = ContinuousClock.now
            search.cancel()
            let error = try await #require(throws: LDAPError.self) { try await search.value }
            #expect(error.kind == .cancelled)
            #expect(error.phase == .search)
            #expect(ContinuousClock.now - started < .seconds(5), "cancellation must not wait for the 30 s deadline")
            #expect(await received.eventually(Self.abandonsTheSearch))
            await client.shutdown()
        }
    }

    @Test func waitingForABusyPoolEndsAtTheConnectionWaitDeadline() async throws {
        try await withScriptedLDAPServer({ _ in [] }) { port in
            var timeouts = LDAPConfiguration.Timeouts.uniform(.seconds(30))
            timeouts.search = .seconds(5)
            timeouts.connectionWait = .milliseconds(300)
            let client = self.client(port: port, timeouts: timeouts, maximumConnections: 1)
            let request = self.request
            // The only connection hangs in a search for 5 s.
            let holder = Task { try await client.search(request) }
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            let error = try await #require(throws: LDAPError.self) { try await client.search(request) }
            #expect(error.kind == .timeout)
            #expect(error.phase == .connectionWait)
            #expect(error.isTransient)
            #expect(error.description.contains("all 1 are in use"))
            #expect(ContinuousClock.now - started < .seconds(3))
            holder.cancel()
            _ = try? await holder.value
            await client.shutdown()
        }
    }

    @Test func aCallerCancelledWhileWaitingForThePoolStopsWaiting() async throws {
        try await withScriptedLDAPServer({ _ in [] }) { port in
            let client = self.client(port: port, timeouts: .uniform(.seconds(30)), maximumConnections: 1)
            let request = self.request
            let holder = Task { try await client.search(request) }
            try await Task.sleep(for: .milliseconds(200))
            let waiter = Task { try await client.search(request) }
            try await Task.sleep(for: .milliseconds(200))
            waiter.cancel()
            let error = try await #require(throws: LDAPError.self) { try await waiter.value }
            #expect(error.kind == .cancelled)
            #expect(error.phase == .connectionWait)
            // The holder still owns the connection; cancelling it frees the slot for a new caller.
            holder.cancel()
            if case .success = await holder.result { Issue.record("the cancelled holder's search succeeded") }
            await client.shutdown()
        }
    }

    @Test func theAbandonRequestTakesTheNextIDWithoutConsumingIt() {
        var machine = LDAPStateMachine(configuration: LDAPConfiguration(host: "h", port: 389, security: .plain))
        #expect(machine.abandonRequest() == nil)
        guard case .send(let search) = machine.search(self.request) else {
            Issue.record("the search was not sent")
            return
        }
        let abandon = machine.abandonRequest()
        #expect(abandon == LDAPMessage(messageID: search.messageID + 1, operation: .abandonRequest(search.messageID)))
        #expect(machine.abandonRequest() == abandon)
    }
}
