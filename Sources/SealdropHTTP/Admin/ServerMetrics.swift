import Synchronization

/// Process-wide counters exposed on `/metrics` (bounded, label-free).
public final class ServerMetrics: Sendable {
    let requests = Atomic<Int>(0)
    let uploadedBytes = Atomic<Int>(0)
    let downloadedBytes = Atomic<Int>(0)

    public init() {}
}
