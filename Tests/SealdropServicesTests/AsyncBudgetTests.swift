import SealdropServices
import Synchronization
import Testing

/// A shared, lock-protected value the tasks of a test update.
final class BudgetProbe<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// `AsyncBudget`: never more holders than the limit, every waiter served, in order.
@Suite struct AsyncBudgetTests {
    @Test func neverMoreThanTheLimitAndEveryoneServed() async {
        let budget = AsyncBudget(limit: 3)
        let counters = BudgetProbe((now: 0, peak: 0, done: 0))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    await budget.acquire()
                    counters.withLock { c in
                        c.now += 1
                        c.peak = max(c.peak, c.now)
                    }
                    await Task.yield()
                    counters.withLock { c in
                        c.now -= 1
                        c.done += 1
                    }
                    budget.release()
                }
            }
        }
        let result = counters.withLock { $0 }
        #expect(result.done == 200)
        #expect(result.peak <= 3 && result.peak >= 1)
        #expect(budget.available == 3)
    }

    @Test func waitersAreServedInArrivalOrder() async {
        let budget = AsyncBudget(limit: 1)
        await budget.acquire()
        let order = BudgetProbe<[Int]>([])
        let arrived = BudgetProbe(0)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<5 {
                // Start the waiters one after another so their arrival order is known.
                while arrived.withLock({ $0 }) < i { await Task.yield() }
                group.addTask {
                    arrived.withLock { $0 += 1 }
                    await budget.acquire()
                    order.withLock { $0.append(i) }
                    budget.release()
                }
                while arrived.withLock({ $0 }) <= i { await Task.yield() }
                for _ in 0..<20 { await Task.yield() }
            }
            budget.release()
        }
        #expect(order.withLock { $0 } == [0, 1, 2, 3, 4])
    }
}
