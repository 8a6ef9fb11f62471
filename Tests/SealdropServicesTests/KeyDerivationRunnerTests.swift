import Dispatch
import Foundation
@testable import SealdropServices
import Testing

/// `KeyDerivationRunner`: derivations on the runner's own threads, a bounded number at a time, in arrival order; stopping.
@Suite struct KeyDerivationRunnerTests {
    @Test func busyDerivationsLeaveTheGlobalExecutorFree() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let runner = KeyDerivationRunner()
        #expect(runner.maxConcurrent == max(1, cores - 1))
        // The jobs spin rather than sleep until the gate opens, as scrypt computes: Dispatch on Linux soon adds
        // threads for sleeping workers, but for busy ones only after seconds, and all that time the shared pool is stalled.
        let gateOpen = Shared(false)
        let started = Shared(0)
        let finished = Shared(0)
        let jobThreads = Shared(Set<UInt>())
        let executorThreads = Shared(Set<UInt>())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<cores {
                group.addTask {
                    try await runner.run {
                        jobThreads.update { $0.insert(UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))) }
                        started.update { $0 += 1 }
                        while !gateOpen.current { sched_yield() }
                        finished.update { $0 += 1 }
                    }
                }
            }
            // As many derivations as there are cores are under way, every runner thread busy with one ...
            await until { started.current == runner.maxConcurrent && runner.queuedCount == cores - runner.maxConcurrent }
            // ... and unrelated work on the global executor, more tasks than it has threads, still runs to completion.
            let sum = await withTaskGroup(of: Int.self) { unrelated in
                for i in 0..<(4 * cores) {
                    unrelated.addTask {
                        executorThreads.update { $0.insert(UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))) }
                        await Task.yield()
                        return i
                    }
                }
                return await unrelated.reduce(0, +)
            }
            #expect(sum == (0..<(4 * cores)).reduce(0, +))
            #expect(finished.current == 0)
            gateOpen.update { $0 = true }
            try await group.waitForAll()
        }
        #expect(finished.current == cores)
        // On the runner's own threads (at most maxConcurrent of them), never on those the global executor used.
        // (Thread names are no proof on Linux: a new thread inherits its creator's name until it renames itself.)
        #expect(!jobThreads.current.isEmpty && jobThreads.current.count <= runner.maxConcurrent)
        #expect(jobThreads.current.isDisjoint(with: executorThreads.current))
    }

    @Test func atMostMaxConcurrentRunAtOnce() async throws {
        let runner = KeyDerivationRunner(maxConcurrent: 2)
        let state = Shared((running: 0, most: 0, order: [Int]()))
        let gate = DispatchSemaphore(value: 0)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<6 {
                group.addTask {
                    try await runner.run {
                        state.update { $0.running += 1; $0.most = max($0.most, $0.running); $0.order.append(i) }
                        if i < 2 { gate.wait() }
                        state.update { $0.running -= 1 }
                        return i * 10
                    }
                }
                await until { state.current.order.count == min(i + 1, 2) && runner.queuedCount == max(0, i - 1) }
            }
            #expect(state.current.order == [0, 1])
            #expect(runner.queuedCount == 4)
            gate.signal()
            gate.signal()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == [0, 10, 20, 30, 40, 50])
        #expect(state.current.most == 2)
        #expect(Set(state.current.order) == Set(0..<6))
    }

    @Test func errorsOfTheWorkReachTheCaller() async throws {
        struct Failure: Error, Equatable {}
        let runner = KeyDerivationRunner(maxConcurrent: 1)
        await #expect(throws: Failure()) { try await runner.run { () throws -> Int in throw Failure() } }
        #expect(try await runner.run { 42 } == 42)
    }

    @Test func shutdownFinishesQueuedDerivationsInOrderThenRefusesNewOnes() async throws {
        let runner = KeyDerivationRunner(maxConcurrent: 1)
        let gate = DispatchSemaphore(value: 0)
        let order = Shared([Int]())
        let started = Shared(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<3 {
                group.addTask {
                    try await runner.run {
                        if i == 0 {
                            started.update { $0 = true }
                            gate.wait()
                        }
                        order.update { $0.append(i) }
                    }
                }
                if i == 0 { await until { started.current } } else { await until { runner.queuedCount == i } }
            }
            // The service's run ends at graceful shutdown (here: cancellation), once the queue is done.
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { service in
                    service.cancelAll()
                    service.addTask { try await runner.run() }
                    try await service.waitForAll()
                }
            }
            await until { runner.isStopping }
            await #expect(throws: KeyDerivationRunnerError.stopped) { try await runner.run { 0 } }
            #expect(order.current.isEmpty)
            gate.signal()
            try await group.waitForAll()
        }
        #expect(order.current == [0, 1, 2])
    }
}
