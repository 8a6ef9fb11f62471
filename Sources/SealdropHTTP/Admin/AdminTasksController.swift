import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The scheduled tasks, in the admin API and on the page `/admin/tasks`:
///
/// | route | does |
/// |---|---|
/// | `GET /admin/api/tasks` | each task with its schedule, next run, whether it runs and its newest runs |
/// | `POST /admin/api/tasks/{name}/run` | starts the task now: 202 with the run; 409 `conflict` while it runs |
/// | `PUT /admin/api/tasks/{name}` | `{"schedule": "every 5m" \| "daily 03:30" \| "off"}` (UTC) |
struct AdminTasksController: Sendable {
    let surface: AdminSurface

    func addRoutes(to router: Router<SealdropRequestContext>) {
        let api = router.group("admin/api").signedIn()
        api.get("tasks", use: list)
        api.post("tasks/:name/run", use: runNow)
        api.put("tasks/:name", use: updateSchedule)
        router.signedIn().get("admin/tasks", use: page)
        let forms = router.signedIn(first: .formPost)
        forms.post("admin/tasks/:name/run", use: runNowForm)
        forms.post("admin/tasks/:name/schedule", use: scheduleForm)
    }

    func scheduler() throws -> Scheduler {
        guard let scheduler = surface.scheduler else { throw AdminError.notFound("The scheduler") }
        return scheduler
    }

    /// The task a route names; not found for a name the scheduler does not run.
    func task(_ context: AdminContext) throws -> TaskName {
        let raw = context.parameters.get("name") ?? ""
        guard let name = TaskName(rawValue: raw), try scheduler().taskNames.contains(name) else {
            throw AdminError.notFound("The task \(String(raw.prefix(40)))")
        }
        return name
    }

    // MARK: - API

    @Sendable func list(_ request: Request, context: AdminContext) async throws -> Response {
        _ = try context.principal(.viewStatus)
        let tasks = try await scheduler().overview()
        return AdminAPIController.json(ListBody(tasks: tasks.map(TaskBody.init)))
    }

    @Sendable func runNow(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let run = try await start(try task(context), actor: admin.actor)
        return AdminAPIController.json(["run": RunBody(run)], status: .accepted)
    }

    @Sendable func updateSchedule(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.editSettings)
        let name = try task(context)
        let body = try await AdminAPIController.object(request)
        guard let text = body["schedule"] as? String else {
            throw AdminError.invalid([FieldProblem("schedule", "Send the schedule as text: every 5m, daily 03:30 (UTC) or off.")])
        }
        let schedule = try await save(name, text, actor: admin.actor)
        return AdminAPIController.json(["name": name.rawValue, "schedule": schedule.description])
    }

    /// Starts a run, the scheduler's refusals as admin errors.
    func start(_ name: TaskName, actor: String) async throws -> TaskRun {
        do {
            let run = try await scheduler().runNow(name, by: actor)
            try await surface.audit.record(actor: actor, action: "task.run", target: name.rawValue, new: "started")
            return run
        } catch SchedulerError.alreadyRunning {
            throw AdminError.conflict("The task \(name.rawValue) is running; it never runs twice at once. Wait for it to finish.")
        } catch SchedulerError.unknownTask {
            throw AdminError.notFound("The task \(name.rawValue)")
        }
    }

    /// Validates and stores a schedule (audited by the settings change).
    func save(_ name: TaskName, _ text: String, actor: String) async throws -> TaskSchedule {
        guard let schedule = TaskSchedule(text: String(text.prefix(100))) else {
            throw AdminError.invalid([FieldProblem("tasks.schedules.\(name.rawValue)",
                                                   "Write every 30s, every 15m, every 2h or every 1d (at most 7 days), daily HH:MM in UTC, or off.")])
        }
        _ = try await surface.runtime.apply(actor: actor) { $0.tasks.schedules[name.rawValue] = schedule }
        return schedule
    }

    /// `GET /admin/api/tasks`.
    struct ListBody: Encodable {
        let tasks: [TaskBody]
    }

    /// One task as the API shows it.
    struct TaskBody: Encodable {
        let name: String
        let schedule: String
        let nextRun: Nullable<String>
        let running: Bool
        let runs: [RunBody]

        init(_ task: Scheduler.Overview) {
            name = task.name.rawValue
            schedule = task.schedule.description
            nextRun = Nullable(task.nextRun.map { APIDate.format($0) })
            running = task.running
            runs = task.runs.map(RunBody.init)
        }
    }

    /// One run as the API shows it.
    struct RunBody: Encodable {
        let id: Int64
        let startedAt: String
        let finishedAt: Nullable<String>
        let durationSeconds: Nullable<Double>
        let outcome: String
        let detail: Nullable<String>
        let trigger: String
        let node: String

        init(_ run: TaskRun) {
            id = run.id
            startedAt = APIDate.format(run.startedAt)
            finishedAt = Nullable(run.finishedAt.map { APIDate.format($0) })
            durationSeconds = Nullable(run.duration.map { ($0 * 1000).rounded() / 1000 })
            outcome = run.outcome.rawValue
            detail = Nullable(run.detail)
            trigger = run.trigger
            node = run.node
        }
    }

    // MARK: - Page

    /// `tasks`: every task, its schedule form, "run now" and its newest runs.
    struct TasksPage {
        struct Run { let started: String, duration: String, outcome: String, failed: Bool, detail: String, trigger: String }
        struct Task { let name: String, label: String, schedule: String, nextRun: String, running: Bool, canEdit: Bool, runs: [Run], hasRuns: Bool }
        let tasks: [Task]
        var problem: String?
    }

    @Sendable func page(_ request: Request, context: AdminContext) async throws -> Response {
        let admin = try context.principal(.viewStatus)
        return try await render(request, admin, problem: nil)
    }

    func render(_ request: Request, _ admin: AdminPrincipal, problem: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let strings = surface.strings(language: WebPages.language(of: request))
        let canEdit = admin.role.allows(.editSettings)
        let tasks = try await scheduler().overview(runsPerTask: 5).map { task in
            TasksPage.Task(
                name: task.name.rawValue, label: strings["task.\(task.name.rawValue)"] ?? task.name.rawValue, schedule: task.schedule.description,
                nextRun: task.nextRun.map { APIDate.format($0) } ?? "–", running: task.running, canEdit: canEdit,
                runs: task.runs.map { run in
                    TasksPage.Run(started: APIDate.format(run.startedAt), duration: run.duration.map { String(format: "%.1f s", $0) } ?? "…",
                                  outcome: strings["task.outcome.\(run.outcome.rawValue)"] ?? run.outcome.rawValue, failed: run.outcome == .failed,
                                  detail: run.detail ?? "", trigger: run.trigger)
                }, hasRuns: !task.runs.isEmpty)
        }
        return surface.render("tasks", request, admin, status: status, TasksPage(tasks: tasks, problem: problem))
    }

    @Sendable func runNowForm(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        let name = try task(context)
        do {
            _ = try await start(name, actor: admin.actor)
        } catch AdminError.conflict(let message) {
            return try await render(request, admin, problem: message, status: .conflict)
        }
        return AdminSurface.redirect("/admin/tasks?notice=taskStarted")
    }

    @Sendable func scheduleForm(_ request: Request, context: AdminContext) async throws -> Response {
        let form = try await AdminSurface.form(request)
        let admin = try AdminSurface.formPrincipal(context, form, .editSettings, accounts: surface.accounts)
        let name = try task(context)
        do {
            _ = try await save(name, form["schedule"] ?? "", actor: admin.actor)
        } catch AdminError.invalid(let problems) {
            return try await render(request, admin, problem: problems.first?.message, status: .badRequest)
        }
        return AdminSurface.redirect("/admin/tasks?notice=saved")
    }
}
