// One job at a time off the UI thread; its result comes back as actions. Cancelling tells the job to stop (it
// checks its `Cancellation` between steps) and drops whatever it still returns.

import Foundation
import TUI
import Volume

final class BackgroundWork: @unchecked Sendable {
    private let lock = NSLock()
    private var generation = 0
    private var results: [Action] = []
    private var running: Cancellation?
    private var jobs = 0

    func start(_ job: @escaping @Sendable (Cancellation) -> Action) {
        lock.lock()
        generation += 1
        let mine = generation
        running?.cancel()
        let cancellation = Cancellation()
        running = cancellation
        jobs += 1
        lock.unlock()
        DispatchQueue.global(qos: .userInitiated).async {
            let action = job(cancellation)
            self.lock.lock()
            if mine == self.generation { self.results.append(action) }
            self.jobs -= 1
            self.lock.unlock()
        }
    }

    func cancel() {
        lock.lock()
        generation += 1
        running?.cancel()
        running = nil
        lock.unlock()
    }

    func finished() -> [Action] {
        lock.lock()
        defer { lock.unlock() }
        let out = results
        results = []
        return out
    }

    /// No job runs and no result waits to be taken.
    var isIdle: Bool {
        lock.lock()
        defer { lock.unlock() }
        return jobs == 0 && results.isEmpty
    }
}
