import Synchronization

/// Runs an action once, when the last of `count` listeners reported that it is running.
final class StartupGate: Sendable {
    private let remaining: Mutex<Int>
    private let action: @Sendable () async -> Void

    init(count: Int, action: @escaping @Sendable () async -> Void) {
        self.remaining = Mutex(max(1, count))
        self.action = action
    }

    func arrive() async {
        let last = remaining.withLock { left -> Bool in
            left -= 1
            return left == 0
        }
        if last { await action() }
    }
}
