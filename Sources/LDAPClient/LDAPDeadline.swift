import Synchronization

/// Signals through the pipeline that a deadline passed; the façade reports it as a timeout.
struct LDAPDeadlineExceeded: Error {}

/// Whether the current step is armed and what ended it early (its deadline, or the caller's task being
/// cancelled), shared between the waiting task, the event loop and the cancellation handler.
final class LDAPDeadlineState: Sendable {
    /// Why a step ended before its answer.
    enum Reason: Sendable {
        case timeout
        case cancelled
    }

    private let state = Mutex<(armed: Bool, fired: Reason?)>((false, nil))

    /// Starts a new step.
    func arm() { self.state.withLock { $0 = (true, nil) } }

    /// Ends the current step; a later firing is ignored. Returns why it was cut short, if it was.
    @discardableResult
    func disarm() -> Reason? {
        self.state.withLock { state in
            state.armed = false
            return state.fired
        }
    }

    /// Marks the step as cut short; returns `false` if it was already disarmed or cut short.
    func fire(_ reason: Reason = .timeout) -> Bool {
        self.state.withLock { state in
            guard state.armed, state.fired == nil else { return false }
            state.fired = reason
            return true
        }
    }
}
