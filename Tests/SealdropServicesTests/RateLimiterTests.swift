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

    @Test func aFloodOfDistinctKeysStaysBounded() {
        let limiter = RateLimiter(limit: 1, window: 600, maxKeys: 1000)
        for i in 0..<50_000 {
            #expect(limiter.allow("key-\(i)", now: t0.addingTimeInterval(Double(i) / 1000)), "key \(i)")
        }
        #expect(limiter.keyCount == 2000)
        // The most recent keys are the ones remembered.
        #expect(!limiter.allow("key-49999", now: t0.addingTimeInterval(50)))
        #expect(limiter.allow("key-0", now: t0.addingTimeInterval(50)))
    }

    @Test func expiredKeysAreForgottenAsTimeMoves() {
        let limiter = RateLimiter(limit: 2, window: 60)
        for i in 0..<1000 { _ = limiter.allow("key-\(i)", now: t0) }
        _ = limiter.allow("busy", now: t0.addingTimeInterval(59))
        #expect(limiter.keyCount == 1001)
        // One call after the window drops every key whose last event left it, and only those.
        #expect(limiter.allow("new", now: t0.addingTimeInterval(60)))
        #expect(limiter.keyCount == 2)
        #expect(limiter.allow("busy", now: t0.addingTimeInterval(60)))
        #expect(!limiter.allow("busy", now: t0.addingTimeInterval(61)))
    }

    @Test func longKeysAreStoredAsFixedSizeHashes() {
        #expect(MemoryLayout<RateLimiter.Key>.size == 16)
        let limiter = RateLimiter(limit: 1, window: 60)
        let long = String(repeating: "x", count: 4_000)
        #expect(limiter.allow(long + "a", now: t0))
        #expect(!limiter.allow(long + "a", now: t0))
        // Keys that differ only at the end stay apart.
        #expect(limiter.allow(long + "b", now: t0))
        #expect(RateLimiter.Key(long + "a") != RateLimiter.Key(long + "b"))
        #expect(RateLimiter.Key(long + "a") == RateLimiter.Key(long + "a"))
    }

    @Test func aLiveLimitOverridesTheInitialOne() {
        let limiter = RateLimiter(limit: 1, window: 60)
        #expect(limiter.allow("k", limit: 2, now: t0))
        #expect(limiter.allow("k", limit: 2, now: t0))
        #expect(!limiter.allow("k", limit: 2, now: t0))
        #expect(!limiter.allow("k", now: t0))
    }
}
