import Dispatch
import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// `FileSyncRunner`: blocking calls wait side by side on the runner's own threads while the global executor
/// keeps running; errors and shutdown as for the derivation runner, whose threads it shares the code of.
@Suite struct FileSyncRunnerTests {
    @Test func blockedCallsWaitSideBySideWhileTheGlobalExecutorRuns() async throws {
        let runner = FileSyncRunner(maxConcurrent: 6)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // Every job blocks like an fsync does; more jobs than cores and all of them wait at once.
        let gate = DispatchSemaphore(value: 0)
        let waiting = Shared(0)
        let jobThreads = Shared(Set<UInt>())
        let executorThreads = Shared(Set<UInt>())
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<runner.maxConcurrent {
                group.addTask {
                    try await runner.run {
                        jobThreads.update { $0.insert(UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))) }
                        waiting.update { $0 += 1 }
                        gate.wait()
                        return i
                    }
                }
            }
            await until { waiting.current == runner.maxConcurrent }
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
            for _ in 0..<runner.maxConcurrent { gate.signal() }
            let results = try await group.reduce(into: [Int]()) { $0.append($1) }
            #expect(results.sorted() == Array(0..<runner.maxConcurrent))
        }
        #expect(jobThreads.current.count == runner.maxConcurrent)
        #expect(jobThreads.current.isDisjoint(with: executorThreads.current))
    }

    /// A transfer service whose file-sync runner has one thread, and a session with one registered file of `size` bytes.
    struct OneThreadUpload {
        let h: ServiceHarness
        let runner = FileSyncRunner(maxConcurrent: 1)
        let service: TransferServices
        let sender = Sample.sender()
        let trackingId: TrackingID
        let fileId: FileID

        init(size: Int64) async throws {
            h = try ServiceHarness()
            service = h.transfers(fileSync: runner)
            trackingId = try await service.sessions.createSession(by: sender, contact: SenderContact(), recipients: RecipientList(to: [Sample.bob]),
                                                         language: "en", clientIP: nil)
            fileId = try await service.sessions.registerFile(trackingId, by: sender, name: "x.bin", size: size, checksum: nil)
        }
    }

    @Test func aFinishedUploadIsCommittedOnTheRunnersThread() async throws {
        let setup = try await OneThreadUpload(size: 3)
        let (h, runner, service, sender, trackingId, fileId) = (setup.h, setup.runner, setup.service, setup.sender, setup.trackingId, setup.fileId)
        // The runner's only thread is busy: the upload's commit has to queue behind it and the blob stays invisible.
        let gate = DispatchSemaphore(value: 0)
        let busy = Shared(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run { busy.update { $0 = true }; gate.wait() } }
            await until { busy.current }
            group.addTask { try await service.upload([1, 2, 3], trackingId, fileId, by: sender) }
            await until { runner.queuedCount == 1 }
            #expect(!h.hasBlobs(trackingId))
            gate.signal()
            try await group.waitForAll()
        }
        #expect(h.hasBlobs(trackingId))
        #expect(runner.queuedCount == 0)
    }

    @Test func anUploadWaitsForTheDiskOnTheRunnersThreadsAndOnlyTwoWindowsBehind() async throws {
        let mib = 1 << 20
        let setup = try await OneThreadUpload(size: Int64(26 * mib))
        let (h, runner, trackingId) = (setup.h, setup.runner, setup.trackingId)
        let upload = try await setup.service.uploads.beginUpload(trackingId, fileId: setup.fileId, by: setup.sender)
        let gate = DispatchSemaphore(value: 0)
        let busy = Shared(false)
        let paced = Shared(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run { busy.update { $0 = true }; gate.wait() } }
            await until { busy.current }
            // 25 MiB pass the 8 MiB writeback windows three times: the second and third crossing each hand a
            // wait for the window before to the runner, and writing does not block on them.
            let chunk = [UInt8](repeating: 7, count: mib)
            for _ in 0..<25 { try chunk.withUnsafeBytes { try upload.write($0) } }
            await until { runner.queuedCount == 2 }
            group.addTask {
                // Give a wrong `keepPace` time to return while both waits are still queued, then free the thread.
                try await Task.sleep(for: .milliseconds(100))
                #expect(!paced.current)
                gate.signal()
            }
            await upload.keepPace()
            paced.update { $0 = true }
            try await group.waitForAll()
        }
        #expect(runner.queuedCount == 0)
        try chunk(mib).withUnsafeBytes { try upload.write($0) }
        try await upload.finish()
        #expect(h.hasBlobs(trackingId))
    }

    private func chunk(_ count: Int) -> [UInt8] { [UInt8](repeating: 7, count: count) }

    @Test func errorsReachTheCallerAndShutdownRefusesNewJobs() async throws {
        struct Failure: Error, Equatable {}
        let runner = FileSyncRunner(maxConcurrent: 1)
        await #expect(throws: Failure()) { try await runner.run { () throws -> Int in throw Failure() } }
        #expect(try await runner.run { 7 } == 7)
        try await withThrowingTaskGroup(of: Void.self) { service in
            service.cancelAll()
            service.addTask { try await runner.run() }
            try await service.waitForAll()
        }
        await #expect(throws: FileSyncRunnerError.stopped) { try await runner.run { 0 } }
    }
}
