import SealdropCore
import Synchronization

/// The live settings; reads are cheap and a change is seen by the next request.
public final class SettingsStore: Sendable {
    private let value: Mutex<SealdropSettings>

    public init(_ settings: SealdropSettings) {
        self.value = Mutex(settings)
    }

    /// The settings in force now.
    public var current: SealdropSettings { value.withLock { $0 } }

    /// Applies a change atomically.
    public func update(_ change: (inout SealdropSettings) -> Void) {
        value.withLock { change(&$0) }
    }
}
