import Crypto
import Dispatch
import Foundation
import Synchronization

/// Hashes one upload's plaintext (SHA-256, the file checksum) on a dispatch thread while the upload goes on
/// encrypting and writing, so a single large upload uses a second core.
///
/// SHA-256 is the largest cost of an upload (about 0.75 s per GiB here, three times AES-GCM); done in line, it
/// and the encryption take turns on one thread. With a lane each chunk is copied (a `memmove`, a tenth of the
/// hash's cost) and hashed in order on the lane's serial queue. At most `maxPending` bytes wait for the hash
/// (`waitForRoom`), and only a few uploads at a time get a lane (`Slots`: one fewer than the cores, at least one):
/// with many concurrent uploads every core is already busy, and their copies would only cost memory.
public final class HashLane: @unchecked Sendable {
    // `hasher` is touched only by jobs on `queue`, and by `finish` once every job has run.
    private var hasher = SHA256()
    private let queue: DispatchQueue
    private struct State {
        var pending = 0
        /// The upload's task in `waitForRoom` (one task uses a lane).
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    private let released = Atomic<Bool>(false)

    /// Bytes queued for hashing beyond which `waitForRoom` waits.
    static let maxPending = 4 << 20

    /// A lane from `slots` hashing on `queue` (serial; a new one unless a test holds it), or nil when every slot is taken.
    static func acquire(from slots: Slots, queue: DispatchQueue = DispatchQueue(label: "sealdrop.hash-lane", qos: .userInitiated)) -> HashLane? {
        guard slots.take() else { return nil }
        return HashLane(queue: queue, slots: slots)
    }

    /// How many uploads may hash on a lane at once: one fewer than the cores, at least one.
    public final class Slots: Sendable {
        /// The limit.
        public let limit: Int
        private let held = Atomic<Int>(0)
        private let taken = Atomic<Int>(0)

        /// The server's slots: one fewer than the cores, at least one.
        public static func perCore() -> Slots {
            Slots(limit: max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
        }

        public init(limit: Int) {
            self.limit = limit
        }

        /// Lanes held now.
        public var active: Int { held.load(ordering: .relaxed) }
        /// Lanes handed out so far.
        public var handedOut: Int { taken.load(ordering: .relaxed) }

        fileprivate func take() -> Bool {
            var current = held.load(ordering: .relaxed)
            while current < limit {
                let (exchanged, original) = held.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
                if exchanged {
                    taken.add(1, ordering: .relaxed)
                    return true
                }
                current = original
            }
            return false
        }

        fileprivate func giveBack() {
            held.subtract(1, ordering: .relaxed)
        }
    }

    private let slots: Slots

    private init(queue: DispatchQueue, slots: Slots) {
        self.queue = queue
        self.slots = slots
    }

    deinit { release() }

    /// Gives the slot back (once); jobs still queued run to their end.
    func release() {
        if !released.exchange(true, ordering: .relaxed) { slots.giveBack() }
    }

    /// Queues a copy of `bytes` to be hashed after everything queued before.
    func update(_ bytes: UnsafeRawBufferPointer) {
        let copy = [UInt8](bytes)
        state.withLock { $0.pending += copy.count }
        queue.async { [self] in
            copy.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            let ready = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.pending -= copy.count
                guard let waiter = s.waiter, s.pending <= Self.maxPending else { return nil }
                s.waiter = nil
                return waiter
            }
            ready?.resume()
        }
    }

    /// Bytes queued and not yet hashed.
    var pending: Int { state.withLock { $0.pending } }

    /// Waits while more than `maxPending` bytes wait for the hash; call it after `update`.
    func waitForRoom() async {
        if pending <= Self.maxPending { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.pending <= Self.maxPending { return true }
                s.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Waits until every queued byte is hashed and returns the hash state; the lane is released.
    func finish() async -> SHA256 {
        // The queue is serial: this job runs after every update queued before it.
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<SHA256, Never>) in
            queue.async { [self] in continuation.resume(returning: hasher) }
        }
        release()
        return result
    }
}
