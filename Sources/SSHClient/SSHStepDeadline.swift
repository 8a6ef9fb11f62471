import NIOCore
import Synchronization

/// The limit of one step, shared by the waiting task, the event loop and the cancellation handler.
///
/// It fires when `limit` passes without ``touch()`` (a step that makes progress, like sending a file, is limited
/// by stalls rather than by its length) or when the caller's task is cancelled, and then runs `onFire` once.
final class SSHStepDeadline: Sendable {
    /// Why a step ended before its answer.
    enum Reason: Sendable, Hashable {
        case timeout
        case cancelled
    }

    private struct State {
        var lastProgress: NIODeadline
        var finished = false
        var fired: Reason?
        var timer: Scheduled<Void>?
    }

    private let state: Mutex<State>
    private let limit: TimeAmount
    private let eventLoop: any EventLoop
    private let onFire: @Sendable (Reason) -> Void

    /// Starts counting now.
    init(limit: Duration, eventLoop: any EventLoop, onFire: @escaping @Sendable (Reason) -> Void) {
        self.limit = TimeAmount(limit)
        self.eventLoop = eventLoop
        self.onFire = onFire
        self.state = Mutex(State(lastProgress: .now()))
        self.schedule(at: .now() + self.limit)
    }

    /// Records progress: the limit counts again from now.
    func touch() {
        self.state.withLock { $0.lastProgress = .now() }
    }

    /// Ends the step early because the caller's task was cancelled.
    func cancel() {
        self.fire(.cancelled)
    }

    /// Ends the step; returns why it was cut short, if it was. A later firing does nothing.
    func finish() -> Reason? {
        self.state.withLock { state in
            state.finished = true
            state.timer?.cancel()
            state.timer = nil
            return state.fired
        }
    }

    private func schedule(at deadline: NIODeadline) {
        let timer = self.eventLoop.scheduleTask(deadline: deadline) { [self] in self.check() }
        self.state.withLock { state in
            if state.finished { timer.cancel() } else { state.timer = timer }
        }
    }

    /// Fires if the limit passed since the last progress, otherwise looks again when it would.
    private func check() {
        let due = self.state.withLock { state -> NIODeadline? in
            guard !state.finished, state.fired == nil else { return nil }
            return state.lastProgress + self.limit
        }
        guard let due else { return }
        if due <= .now() {
            self.fire(.timeout)
        } else {
            self.schedule(at: due)
        }
    }

    private func fire(_ reason: Reason) {
        let fired = self.state.withLock { state -> Bool in
            guard !state.finished, state.fired == nil else { return false }
            state.fired = reason
            return true
        }
        if fired { self.onFire(reason) }
    }
}
