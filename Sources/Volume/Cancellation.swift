// A request to stop long work early (the user pressed Esc): set on the UI thread, read by the worker between
// steps, so that a cancelled graph cut frees its core at once instead of running to the end.

import Synchronization

public final class Cancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }

    /// Throws `CancellationError` once cancelled.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}
