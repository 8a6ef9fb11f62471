import Metrics
import SealdropCore
import Prometheus

/// The server's Prometheus metrics: swift-metrics instruments over a registry owned by this instance,
/// rendered as text on the admin listeners' `/metrics`.
///
/// Each server has its own registry; nothing calls `MetricsSystem.bootstrap`, so tests can build many
/// servers. Labels are bounded: `listener` is always `user`, `status` one of `1xx`…`5xx`; never a path.
///
/// Where the numbers come from:
/// - `sealdrop_http_requests_total{listener,status}` and `sealdrop_http_request_duration_seconds{listener}`
///   (a histogram): `RequestLogMiddleware`, once per user-listener request. The duration ends when the
///   handler returns its response, so it includes a consumed upload body but not a streamed download body.
/// - `sealdrop_upload_bytes_total`: `RequestLogMiddleware` counts PUT request bodies as the handler reads
///   them. The only PUT routes on the user listeners are the two upload routes (API file content, web
///   chunk), so these are the uploaded bytes, chunked or not; a body the handler refuses unread is not counted.
/// - `sealdrop_download_bytes_total`: `RequestLogMiddleware` counts the body bytes written for 200/206 GET
///   responses with `Content-Disposition: attachment` (file, ZIP, EML and checksum downloads), as they
///   stream, so a download broken off counts what was sent.
/// - `sealdrop_outbox_queued`, `sealdrop_outbox_failed` (mail the relay finally refused or that ran out of
///   retries), `sealdrop_uptime_seconds`: read from the outbox at scrape time by
///   ``render(outboxQueued:outboxFailed:archivePending:archiveFailed:tasks:uptimeSeconds:)``, so they survive restarts.
/// - `sealdrop_archive_pending` (archive copies not confirmed yet) and `sealdrop_archive_failed` (copies that wait
///   for an administrator): read from the archive queue at scrape time.
/// - `sealdrop_task_last_success_timestamp_seconds{task}` (Unix time the task last succeeded, 0: never on record) and
///   `sealdrop_task_last_run_failed{task}` (1 when its newest finished run failed): read from the scheduler's runs at
///   scrape time, one series per task name (six at most), so an alert can say "no backup for 26 hours".
public final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// Requests on the user listeners, by status class: index 0 is `1xx`, 4 is `5xx`.
    let requests: [CoreMetrics.Counter]
    let requestDuration: CoreMetrics.Timer
    let uploadedBytes: CoreMetrics.Counter
    let downloadedBytes: CoreMetrics.Counter
    let outboxQueued: CoreMetrics.Gauge
    let outboxFailed: CoreMetrics.Gauge
    let archivePending: CoreMetrics.Gauge
    let archiveFailed: CoreMetrics.Gauge
    let uptime: CoreMetrics.Gauge
    /// Per task name: last success, last run failed.
    let taskGauges: [TaskName: (lastSuccess: CoreMetrics.Gauge, lastFailed: CoreMetrics.Gauge)]

    public init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        let listener = ("listener", "user")
        self.registry = registry
        self.requests = (1...5).map {
            CoreMetrics.Counter(label: "sealdrop_http_requests_total", dimensions: [listener, ("status", "\($0)xx")], factory: factory)
        }
        self.requestDuration = CoreMetrics.Timer(label: "sealdrop_http_request_duration_seconds", dimensions: [listener], factory: factory)
        self.uploadedBytes = CoreMetrics.Counter(label: "sealdrop_upload_bytes_total", factory: factory)
        self.downloadedBytes = CoreMetrics.Counter(label: "sealdrop_download_bytes_total", factory: factory)
        self.outboxQueued = CoreMetrics.Gauge(label: "sealdrop_outbox_queued", factory: factory)
        self.outboxFailed = CoreMetrics.Gauge(label: "sealdrop_outbox_failed", factory: factory)
        self.archivePending = CoreMetrics.Gauge(label: "sealdrop_archive_pending", factory: factory)
        self.archiveFailed = CoreMetrics.Gauge(label: "sealdrop_archive_failed", factory: factory)
        self.uptime = CoreMetrics.Gauge(label: "sealdrop_uptime_seconds", factory: factory)
        self.taskGauges = Dictionary(uniqueKeysWithValues: TaskName.allCases.map { task in
            (task, (CoreMetrics.Gauge(label: "sealdrop_task_last_success_timestamp_seconds", dimensions: [("task", task.rawValue)], factory: factory),
                    CoreMetrics.Gauge(label: "sealdrop_task_last_run_failed", dimensions: [("task", task.rawValue)], factory: factory)))
        })
    }

    /// Counts one finished user-listener request under its status class and records how long it took.
    public func recordRequest(status: Int, duration: Duration) {
        // Codes outside 100...599 cannot be sent; clamping keeps the label set fixed regardless.
        requests[min(max(status / 100, 1), 5) - 1].increment()
        requestDuration.record(duration: duration)
    }

    /// Adds bytes of uploaded file content received.
    public func addUploaded(_ bytes: Int) {
        uploadedBytes.increment(by: bytes)
    }

    /// Adds bytes of download response bodies sent.
    public func addDownloaded(_ bytes: Int) {
        downloadedBytes.increment(by: bytes)
    }

    /// Sets the scrape-time gauges and returns every metric in the Prometheus text format (version 0.0.4).
    public func render(outboxQueued queued: Int, outboxFailed failed: Int, archivePending: Int = 0, archiveFailed: Int = 0,
                       tasks: [TaskName: TaskHealth] = [:], uptimeSeconds: Int) -> String {
        for (task, health) in tasks {
            guard let gauges = taskGauges[task] else { continue }
            gauges.lastSuccess.record(health.lastSuccessAt.map { Int($0.timeIntervalSince1970) } ?? 0)
            gauges.lastFailed.record(health.lastOutcome == .failed ? 1 : 0)
        }
        outboxQueued.record(queued)
        outboxFailed.record(failed)
        self.archivePending.record(archivePending)
        self.archiveFailed.record(archiveFailed)
        uptime.record(uptimeSeconds)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
