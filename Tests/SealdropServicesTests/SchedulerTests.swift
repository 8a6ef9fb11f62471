import Foundation
import Logging
import SealdropCore
@testable import SealdropServices
import SealdropStore
import Synchronization
import Testing

/// A task the test steers: counts its passes, optionally fails, optionally waits until released.
final class SteeredTask: ScheduledTask {
    let name: TaskName
    let fails: Bool
    private let gate: AsyncStream<Void>?
    private let release: AsyncStream<Void>.Continuation?
    private let started = Mutex(0)
    private let entered: AsyncStream<Void>.Continuation
    /// Yields once each time a pass begins.
    let passesBegun: AsyncStream<Void>

    init(_ name: TaskName, fails: Bool = false, blocks: Bool = false) {
        self.name = name
        self.fails = fails
        if blocks {
            let (stream, continuation) = AsyncStream<Void>.makeStream()
            gate = stream
            release = continuation
        } else {
            gate = nil
            release = nil
        }
        (passesBegun, entered) = AsyncStream<Void>.makeStream()
    }

    var passes: Int { started.withLock { $0 } }

    /// Lets one blocked pass finish.
    func finishOne() { release?.yield() }

    /// A test-only failure with a sentence.
    struct Refused: Error, CustomStringConvertible {
        var description: String { "the archive server refused the copy" }
    }

    func runOnce() async throws -> String {
        started.withLock { $0 += 1 }
        entered.yield()
        if let gate {
            var iterator = gate.makeAsyncIterator()
            _ = await iterator.next()
            try Task.checkCancellation()
        }
        if fails { throw Refused() }
        return "pass \(passes) done"
    }
}

@Suite struct SchedulerTests {
    func scheduler(_ h: ServiceHarness, _ tasks: [any ScheduledTask], node: String = "node-a", lease: TimeInterval = 120) -> Scheduler {
        var configuration = Scheduler.Configuration()
        configuration.tick = .milliseconds(20)
        configuration.leaseSeconds = lease
        return Scheduler(tasks: tasks, runs: h.database, settings: h.settings, node: node, configuration: configuration, logger: h.logger,
                         now: h.clock.closure)
    }

    @Test func schedulesParseAndPrintInTheAdminsForm() {
        #expect(TaskSchedule(text: "every 300s") == .interval(seconds: 300))
        #expect(TaskSchedule(text: "every 15m") == .interval(seconds: 900))
        #expect(TaskSchedule(text: " Every 2h ") == .interval(seconds: 7200))
        #expect(TaskSchedule(text: "daily 03:30") == .daily(minuteOfDay: 210))
        #expect(TaskSchedule(text: "off") == .off)
        for bad in ["", "every", "every 0s", "every -5m", "every 8d", "every 5x", "daily 24:00", "daily 3:30", "daily 03:60", "hourly",
                    "every 5m 3s", "every ５m"] {
            #expect(TaskSchedule(text: bad) == nil, "\(bad) was accepted")
        }
        #expect(TaskSchedule.interval(seconds: 900).description == "every 15m")
        #expect(TaskSchedule.daily(minuteOfDay: 65).description == "daily 01:05")
        #expect(TaskSchedule(text: TaskSchedule.interval(seconds: 90).description) == .interval(seconds: 90))
    }

    @Test func nextRunsFollowTheLastStart() {
        let start = Date(timeIntervalSince1970: 1_750_000_000)  // 2025-06-15 15:06:40 UTC
        #expect(TaskSchedule.interval(seconds: 60).nextRun(after: nil, now: start) == start)
        #expect(TaskSchedule.interval(seconds: 60).nextRun(after: start, now: start) == start.addingTimeInterval(60))
        let daily = TaskSchedule.daily(minuteOfDay: 3 * 60)
        // Never ran, referenced from the scheduler's start: tomorrow 03:00.
        #expect(daily.nextRun(after: start, now: start) == Date(timeIntervalSince1970: 1_750_042_800))
        // Ran today at 03:00: tomorrow at 03:00; a week without a run: due at once.
        let today3 = Date(timeIntervalSince1970: 1_749_956_400)
        #expect(daily.nextRun(after: today3, now: start) == today3.addingTimeInterval(86400))
        #expect(daily.nextRun(after: today3.addingTimeInterval(-7 * 86400), now: start)! <= start)
        #expect(TaskSchedule.off.nextRun(after: nil, now: start) == nil)
    }

    @Test func aFailedRunIsRecordedAndTriedAgainAtItsNextTime() async throws {
        let h = try ServiceHarness { $0.tasks.schedules["archive-retry"] = .interval(seconds: 60) }
        let task = SteeredTask(.archiveRetry, fails: true)
        let s = scheduler(h, [task])
        for p in try await s.startDueRuns() { await s.execute(p.task, p.run) }
        let runs = try await h.database.taskRuns(.archiveRetry, limit: 10)
        #expect(runs.count == 1)
        #expect(runs.first?.outcome == .failed)
        #expect(runs.first?.detail == "the archive server refused the copy")
        #expect(runs.first?.trigger == "schedule")
        #expect(runs.first?.finishedAt != nil)
        // Not before its next time; then again.
        h.clock.advance(59)
        #expect(try await s.startDueRuns().isEmpty)
        h.clock.advance(1)
        let again = try await s.startDueRuns()
        #expect(again.count == 1)
        for p in again { await s.execute(p.task, p.run) }
        #expect(task.passes == 2)
        #expect(try await h.database.taskRuns(.archiveRetry, limit: 10).map(\.outcome) == [.failed, .failed])
    }

    @Test func aLongTaskIsNotStartedTwiceHereOrOnAnotherNode() async throws {
        let h = try ServiceHarness { $0.tasks.schedules["cleanup"] = .interval(seconds: 1) }
        let task = SteeredTask(.cleanup, blocks: true)
        let a = scheduler(h, [task], node: "node-a")
        let b = scheduler(h, [task], node: "node-b")
        let first = try await a.startDueRuns()
        #expect(first.count == 1)
        let running = Task { for p in first { await a.execute(p.task, p.run) } }
        var begun = task.passesBegun.makeAsyncIterator()
        _ = await begun.next()
        // Long past its interval: neither this node nor another starts it again, and "run now" is refused.
        h.clock.advance(30)
        #expect(try await a.startDueRuns().isEmpty)
        #expect(try await b.startDueRuns().isEmpty)
        await #expect(throws: SchedulerError.alreadyRunning(.cleanup)) { try await a.runNow(.cleanup, by: "alice") }
        await #expect(throws: SchedulerError.alreadyRunning(.cleanup)) { try await b.runNow(.cleanup, by: "bob") }
        // Twenty racing starts on another node: none gets the lease.
        let raced = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { (try? await b.startDueRuns().count) ?? 0 } }
            return await group.reduce(0, +)
        }
        #expect(raced == 0)
        task.finishOne()
        await running.value
        #expect(task.passes == 1)
        #expect(try await h.database.taskRuns(.cleanup, limit: 10).map(\.outcome) == [.succeeded])
        // Finished: the other node may run it now.
        let next = try await b.startDueRuns()
        #expect(next.count == 1)
        #expect(next.first?.run.node == "node-b")
    }

    @Test func racingNodesGetOneRunBetweenThem() async throws {
        let h = try ServiceHarness(onDisk: true)
        let nodes = (0..<8).map { scheduler(h, [SteeredTask(.digest)], node: "node-\($0)") }
        let started = await withTaskGroup(of: Int.self) { group in
            for node in nodes { group.addTask { (try? await node.runNow(.digest, by: "admin")) == nil ? 0 : 1 } }
            return await group.reduce(0, +)
        }
        #expect(started == 1)
        #expect(try await h.database.taskRuns(.digest, limit: 10).count == 1)
    }

    @Test func aNodeThatDiesLeavesALeaseThatExpires() async throws {
        let h = try ServiceHarness()
        let a = scheduler(h, [SteeredTask(.backup)], node: "node-a", lease: 60)
        let b = scheduler(h, [SteeredTask(.backup)], node: "node-b", lease: 60)
        _ = try await a.runNow(.backup, by: "admin")  // node-a takes the lease and never runs or renews it
        h.clock.advance(59)
        await #expect(throws: SchedulerError.alreadyRunning(.backup)) { try await b.runNow(.backup, by: "admin") }
        h.clock.advance(2)
        let run = try await b.runNow(.backup, by: "admin")
        #expect(run.node == "node-b")
        let runs = try await h.database.taskRuns(.backup, limit: 10)
        #expect(runs.map(\.outcome) == [.running, .abandoned])
        #expect(runs.last?.node == "node-a")
    }

    @Test func runNowRunsWithinATickAndRecordsWhoAsked() async throws {
        let h = try ServiceHarness { $0.tasks.schedules["update-check"] = .off }
        let task = SteeredTask(.updateCheck)
        let s = scheduler(h, [task])
        let loop = Task { await s.loop() }
        defer { loop.cancel() }
        // Off: it never starts by itself.
        #expect(try await s.startDueRuns().isEmpty)
        let run = try await s.runNow(.updateCheck, by: "alice")
        #expect(run.trigger == "alice")
        var finished: TaskRun?
        while finished == nil {
            try await Task.sleep(for: .milliseconds(20))
            finished = try await h.database.taskRuns(.updateCheck, limit: 1).first { $0.outcome != .running }
        }
        #expect(finished?.outcome == .succeeded)
        #expect(finished?.detail == "pass 1 done")
        await #expect(throws: SchedulerError.unknownTask("retention")) { try await s.runNow(.retention, by: "alice") }
    }

    @Test func stoppingTheServerRecordsTheRunAsAbandonedAndRenewsLeasesMeanwhile() async throws {
        let h = try ServiceHarness()
        let task = SteeredTask(.retention, blocks: true)
        let s = scheduler(h, [task], lease: 3)
        let loop = Task { await s.loop() }
        _ = try await s.runNow(.retention, by: "admin")
        var begun = task.passesBegun.makeAsyncIterator()
        _ = await begun.next()
        // The lease (3 s) is renewed every second while the pass runs.
        let leaseBefore = try await leaseUntil(h, .retention)
        h.clock.advance(10)
        var leaseAfter = leaseBefore
        while leaseAfter == leaseBefore {
            try await Task.sleep(for: .milliseconds(50))
            leaseAfter = try await leaseUntil(h, .retention)
        }
        #expect(leaseAfter > leaseBefore)
        loop.cancel()
        await loop.value
        let runs = try await h.database.taskRuns(.retention, limit: 10)
        #expect(runs.map(\.outcome) == [.abandoned])
        #expect(runs.first?.detail == "the server stopped while it ran")
    }

    func leaseUntil(_ h: ServiceHarness, _ task: TaskName) async throws -> Double {
        try await h.database.leaseUntilForTests(task)
    }

    @Test func dailyTasksWaitForTheirTimeOfDay() async throws {
        // The clock starts at 15:06:40 UTC; digest at 16:00.
        let h = try ServiceHarness { $0.tasks.schedules["digest"] = .daily(minuteOfDay: 16 * 60) }
        let s = scheduler(h, [SteeredTask(.digest)])
        #expect(try await s.startDueRuns().isEmpty)
        h.clock.advance(53 * 60)
        #expect(try await s.startDueRuns().isEmpty)
        h.clock.advance(60)
        let due = try await s.startDueRuns()
        #expect(due.count == 1)
        for p in due { await s.execute(p.task, p.run) }
        h.clock.advance(3600)
        #expect(try await s.startDueRuns().isEmpty)
        h.clock.advance(23 * 3600)
        #expect(try await s.startDueRuns().count == 1)
    }

    @Test func cleanupDefaultsToItsOldIntervalSetting() throws {
        var settings = SealdropSettings()
        settings.cleanup.intervalSeconds = 7
        #expect(settings.tasks.schedule(for: .cleanup, cleanupIntervalSeconds: settings.cleanup.intervalSeconds) == .interval(seconds: 7))
        settings.tasks.schedules["cleanup"] = .interval(seconds: 600)
        #expect(settings.tasks.schedule(for: .cleanup, cleanupIntervalSeconds: 7) == .interval(seconds: 600))
        let json = try JSONEncoder().encode(settings.tasks)
        #expect(String(decoding: json, as: UTF8.self) == #"{"schedules":{"cleanup":"every 10m"}}"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TaskSettings.self, from: Data(#"{"schedules":{"cleanup":"sometimes"}}"#.utf8)) }
    }
}
