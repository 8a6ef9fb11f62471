import Foundation
@testable import SealdropServices
import Testing

/// `RateLimiter`: a sliding window per key, driven by explicit dates.
@Suite struct RateLimiterTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func allowsUpToTheLimitWithinTheWindow() {
        let limiter = RateLimiter(limit: 3, window: 60)
        #expect(limiter.allow("k", now: t0))
        #expect(limiter.allow("k", now: t0.addingTimeInterval(1)))
        #expect(limiter.allow("k", now: t0.addingTimeInterval(2)))
        #expect(!limiter.allow("k", now: t0.addingTimeInterval(3)))
        #expect(!limiter.allow("k", now: t0.addingTimeInterval(59.9)))
        // The first event leaves the window after exactly 60 seconds; refused requests did not count.
        #expect(limiter.allow("k", now: t0.addingTimeInterval(60)))
        #expect(!limiter.allow("k", now: t0.addingTimeInterval(60.5)))
        #expect(limiter.allow("k", now: t0.addingTimeInterval(61)))
        #expect(limiter.allow("k", now: t0.addingTimeInterval(62)))
        #expect(!limiter.allow("k", now: t0.addingTimeInterval(62)))
    }

    @Test func keysAreIndependent() {
        let limiter = RateLimiter(limit: 1, window: 10)
        #expect(limiter.allow("a", now: t0))
        #expect(!limiter.allow("a", now: t0))
        #expect(limiter.allow("b", now: t0))
        #expect(!limiter.allow("b", now: t0.addingTimeInterval(9)))
        #expect(limiter.allow("a", now: t0.addingTimeInterval(10)))
    }

    @Test func aQuietPeriodResetsTheKey() {
        let limiter = RateLimiter(limit: 2, window: 600)
        #expect(limiter.allow("k", now: t0))
        #expect(limiter.allow("k", now: t0))
        #expect(!limiter.allow("k", now: t0.addingTimeInterval(599)))
        #expect(limiter.allow("k", now: t0.addingTimeInterval(3600)))
        #expect(limiter.allow("k", now: t0.addingTimeInterval(3600)))
        #expect(!limiter.allow("k", now: t0.addingTimeInterval(3600)))
    }

    @Test func limitsStillHoldWhenTheKeyTableIsFull() {
        let limiter = RateLimiter(limit: 1, window: 60, maxKeys: 2)
        #expect(limiter.allow("a", now: t0))
        #expect(limiter.allow("b", now: t0))
        #expect(limiter.allow("c", now: t0.addingTimeInterval(1)))
        #expect(!limiter.allow("a", now: t0.addingTimeInterval(2)))
        #expect(!limiter.allow("c", now: t0.addingTimeInterval(2)))
        #expect(limiter.allow("a", now: t0.addingTimeInterval(61)))
    }
}
