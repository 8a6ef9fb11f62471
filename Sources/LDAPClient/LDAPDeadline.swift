import Synchronization

/// Signals through the pipeline that a deadline passed; the façade reports it as a timeout.
struct LDAPDeadlineExceeded: Error {}

/// Whether the current deadline is armed and whether it fired, shared with the event loop.
final class LDAPDeadlineState: Sendable {
    private let state = Mutex<(armed: Bool, fired: Bool)>((false, false))

    /// Starts a new deadline.
    func arm() { self.state.withLock { $0 = (true, false) } }

    /// Ends the current deadline; a later firing is ignored. Returns whether it fired before.
    @discardableResult
    func disarm() -> Bool {
        self.state.withLock { state in
            state.armed = false
            return state.fired
        }
    }

    /// Marks the deadline as fired; returns `false` if it was already disarmed.
    func fire() -> Bool {
        self.state.withLock { state in
            guard state.armed else { return false }
            state.fired = true
            return true
        }
    }
}
