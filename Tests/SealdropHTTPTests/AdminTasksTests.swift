import Foundation
import SealdropCore
import SealdropServices
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// The scheduled tasks in the admin API and on their page: the list with schedules and runs, "run now" (once at a
/// time: 409 while a run holds the lease), schedules validated and saved, roles.
@Suite struct AdminTasksTests {
    /// Runs the server's scheduler beside `body`, as the service group does.
    static func withScheduler<T: Sendable>(_ server: SealdropServer, _ body: () async throws -> T) async throws -> T {
        let loop = Task { try await server.scheduler.run() }
        defer { loop.cancel() }
        return try await body()
    }

    /// Waits until the newest run of `task` has ended.
    static func finishedRun(_ server: SealdropServer, _ task: TaskName) async throws -> TaskRun {
        while true {
            if let run = try await server.database.taskRuns(task, limit: 1).first, run.outcome != .running { return run }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func theListShowsEveryTaskAndRunNowRunsIt() async throws {
        try await AdminClient.run(settings: #"{"tasks": {"schedules": {"cleanup": "off", "archive-retry": "off"}}}"#) { admin in
            let token = try await admin.server.accounts.createToken(label: "ops", role: .administrator, by: "test").token
            let listed = try AdminClient.json(try await admin.api(.get, "/admin/api/tasks", token: token))
            let tasks = try #require(listed["tasks"] as? [[String: Any]])
            #expect(tasks.compactMap { $0["name"] as? String }.contains("cleanup"))
            #expect(tasks.compactMap { $0["name"] as? String }.contains("archive-retry"))
            let cleanup = try #require(tasks.first { $0["name"] as? String == "cleanup" })
            #expect(cleanup["schedule"] as? String == "off")
            #expect(cleanup["nextRun"] is NSNull)
            #expect((cleanup["runs"] as? [Any])?.isEmpty == true)

            try await Self.withScheduler(admin.server) {
                let started = try await admin.api(.post, "/admin/api/tasks/cleanup/run", token: token)
                #expect(started.status == .accepted, "\(started.text)")
                let run = try await Self.finishedRun(admin.server, .cleanup)
                #expect(run.outcome == .succeeded)
                #expect(run.detail == "0 expired transfers ended, 0 abandoned sessions removed")
                #expect(run.trigger.contains("ops"))
            }
            let after = try AdminClient.json(try await admin.api(.get, "/admin/api/tasks", token: token))
            let runs = try #require(((after["tasks"] as? [[String: Any]])?.first { $0["name"] as? String == "cleanup" })?["runs"] as? [[String: Any]])
            #expect(runs.first?["outcome"] as? String == "succeeded")
            #expect(runs.first?["durationSeconds"] is Double)
            let audit = try await admin.server.audit.recent(limit: 20)
            #expect(audit.contains { $0.action == "task.run" && $0.target == "cleanup" })
            #expect(try await admin.api(.post, "/admin/api/tasks/nonsense/run", token: token).status == .notFound)
        }
    }

    @Test func aRunningTaskIsNotStartedAgain() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "ops", role: .administrator, by: "test").token
            // Another node holds the lease of `archive-retry` for an hour.
            _ = try await admin.server.database.startTaskRun(.archiveRetry, at: Date(), leaseUntil: Date().addingTimeInterval(3600),
                                                            trigger: "schedule", node: "node-b")
            let refused = try await admin.api(.post, "/admin/api/tasks/archive-retry/run", token: token)
            #expect(refused.status == .conflict)
            #expect(try AdminClient.json(refused)["errorCode"] as? String == "conflict")
            #expect(refused.text.contains("is running"))
            let listed = try AdminClient.json(try await admin.api(.get, "/admin/api/tasks", token: token))
            let retry = try #require((listed["tasks"] as? [[String: Any]])?.first { $0["name"] as? String == "archive-retry" })
            #expect(retry["running"] as? Bool == true)
        }
    }

    @Test func schedulesAreValidatedAndSaved() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "ops", role: .administrator, by: "test").token
            let bad = try await admin.api(.put, "/admin/api/tasks/cleanup", token: token, json: #"{"schedule": "every 9d"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("tasks.schedules.cleanup"))
            let missing = try await admin.api(.put, "/admin/api/tasks/cleanup", token: token, json: #"{"schedule": 5}"#)
            #expect(missing.status == .badRequest)
            let saved = try await admin.api(.put, "/admin/api/tasks/cleanup", token: token, json: #"{"schedule": "every 10m"}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(admin.server.settings.current.tasks.schedules["cleanup"] == .interval(seconds: 600))
            // Persisted (reloaded from the database) and audited as a settings change.
            admin.server.settings.update { $0.tasks.schedules = [:] }
            try await admin.server.runtimeSettings.loadPersisted()
            #expect(admin.server.settings.current.tasks.schedules["cleanup"] == .interval(seconds: 600))
            #expect(try await admin.server.audit.recent(limit: 20).contains { $0.target == "tasks.schedules.cleanup" })
        }
    }

    @Test func theLogAnalystSeesTasksButCannotRunThem() async throws {
        try await AdminClient.run { admin in
            let token = try await admin.server.accounts.createToken(label: "reader", role: .logAnalyst, by: "test").token
            #expect(try await admin.api(.get, "/admin/api/tasks", token: token).status == .ok)
            #expect(try await admin.api(.post, "/admin/api/tasks/cleanup/run", token: token).status == .forbidden)
            #expect(try await admin.api(.put, "/admin/api/tasks/cleanup", token: token, json: #"{"schedule": "off"}"#).status == .forbidden)
            #expect(try await admin.server.database.taskRuns(.cleanup, limit: 1).isEmpty)
        }
    }

    @Test func thePageRunsTasksAndExplainsABadSchedule() async throws {
        try await AdminClient.run(settings: #"{"tasks": {"schedules": {"cleanup": "off"}}}"#) { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let page = try await admin.send(.get, "/admin/tasks")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"id="task-cleanup""#) && page.text.contains("/admin/tasks/cleanup/run"))
            let bad = try await admin.post("/admin/tasks/cleanup/schedule", [("schedule", "sometimes")])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("daily HH:MM"))
            try await Self.withScheduler(admin.server) {
                let ran = try await admin.post("/admin/tasks/cleanup/run", [])
                #expect(ran.status == .seeOther)
                #expect(try await Self.finishedRun(admin.server, .cleanup).trigger == "ada")
            }
            let shown = try await admin.send(.get, "/admin/tasks")
            #expect(shown.text.contains("0 expired transfers ended"))
        }
    }

    /// Monitoring reads the runs at scrape time: when each task last succeeded, and whether its newest run failed.
    @Test func metricsTellWhenEachTaskLastSucceededAndWhetherItsLastRunFailed() async throws {
        try await AdminClient.run(settings: #"{"tasks": {"schedules": {"cleanup": "off"}}}"#) { admin in
            var admin = admin
            try await admin.login("ada", role: .administrator)
            let db = admin.server.database
            let before = try await admin.send(.get, "/metrics")
            #expect(before.text.contains(#"sealdrop_task_last_success_timestamp_seconds{task="cleanup"} 0"#), "\(before.text)")
            let succeeded = try #require(try await db.startTaskRun(.cleanup, at: Date(timeIntervalSince1970: 1_800_000_000),
                                                                   leaseUntil: Date(timeIntervalSince1970: 1_800_000_120), trigger: "schedule", node: "n"))
            try await db.finishTaskRun(runId: succeeded.id, at: Date(timeIntervalSince1970: 1_800_000_005), outcome: .succeeded, detail: "ok")
            let failed = try #require(try await db.startTaskRun(.cleanup, at: Date(timeIntervalSince1970: 1_800_000_100),
                                                                leaseUntil: Date(timeIntervalSince1970: 1_800_000_220), trigger: "schedule", node: "n"))
            try await db.finishTaskRun(runId: failed.id, at: Date(timeIntervalSince1970: 1_800_000_101), outcome: .failed, detail: "disk full")
            let after = try await admin.send(.get, "/metrics")
            #expect(after.text.contains(#"sealdrop_task_last_success_timestamp_seconds{task="cleanup"} 1800000005"#), "\(after.text)")
            #expect(after.text.contains(#"sealdrop_task_last_run_failed{task="cleanup"} 1"#))
            #expect(after.text.contains(#"sealdrop_task_last_run_failed{task="archive-retry"} 0"#))
        }
    }
}
