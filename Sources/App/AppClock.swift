// The app's time: the wall clock when it runs, a hand-moved one in tests, so that durations in messages, seeds and
// run names come out the same on every run of a test.

import Foundation

public protocol AppClock: Sendable {
    func now() -> Date
}

public struct SystemClock: AppClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// Stands still until moved.
public final class ManualClock: AppClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func advance(by seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

extension AppClock {
    /// Seconds from `start` to now.
    func seconds(since start: Date) -> Double { now().timeIntervalSince(start) }

    /// A seed from the clock: new runs differ, and runs under a manual clock repeat.
    var seed: UInt64 { UInt64(max(0, now().timeIntervalSince1970)) }
}
