import Foundation
import Learning
import TUI
import Volume

/// One training run at a time on a background thread; the UI polls its progress line.
final class BackgroundTraining: @unchecked Sendable {
    let shelf: ModelShelf
    private let lock = NSLock()
    private var cancellation: Cancellation?
    private var pending: [Action] = []
    private(set) var kind: ModelKind?

    let clock: any AppClock

    init(shelf: ModelShelf, clock: any AppClock) {
        self.shelf = shelf
        self.clock = clock
    }

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancellation != nil
    }

    /// Starts training `kind`, or stops the run in progress.
    func toggle(_ kind: ModelKind, epochs: Int, steps: Int) -> Action {
        lock.lock()
        if let running = cancellation {
            running.cancel()
            lock.unlock()
            return .training("stopping…", message: "training stops after this step; the best model so far stays registered")
        }
        let cancellation = Cancellation()
        self.cancellation = cancellation
        self.kind = kind
        lock.unlock()
        let (shelf, clock) = (self.shelf, self.clock)
        let thread = Thread { [self] in
            var saved: (name: String, dice: Double)?
            var failure: Error?
            do {
                let model = try shelf.startingPoint(kind, fresh: false, seed: clock.seed)
                var options = try shelf.trainingOptions(kind, epochs: epochs, steps: steps, seed: clock.seed)
                options.cancellation = cancellation
                let trainer = try shelf.trainer(model, options: options)
                let run = ModelShelf.runStamp(clock.now())
                _ = try trainer.run(progress: { p in
                    self.post(.training(BackgroundTraining.describe(kind, p), message: nil))
                }) { model, summary in
                    saved = (try shelf.register(model, summary: summary, run: run).name, summary.bestDice)
                }
            } catch {
                failure = error
            }
            let message = BackgroundTraining.outcome(kind, saved: saved, failure: failure)
            MemoryPolicy.release()
            self.lock.lock()
            self.cancellation = nil
            self.kind = nil
            self.lock.unlock()
            self.post(.training(nil, message: message))
        }
        // Below the interface's priority: the annotator's keys come first.
        thread.qualityOfService = .utility
        thread.start()
        return .training("\(kind.rawValue): preparing…", message: "training \(kind.rawValue) in the background on the submitted labels (t stops it)")
    }

    /// What the message line says when a run ends: the model it left, and why it ended if not by itself.
    static func outcome(_ kind: ModelKind, saved: (name: String, dice: Double)?, failure: Error?) -> String {
        let model = saved.map { "\($0.name) (validation Dice \(String(format: "%.3f", $0.dice))) is in use from the next call" }
        switch (failure, model) {
        case (nil, let model?): return "training \(kind.rawValue) ended: \(model)"
        case (is CancellationError, let model?): return "training \(kind.rawValue) stopped: \(model)"
        case (is CancellationError, nil), (nil, nil): return "training \(kind.rawValue) stopped before its first epoch ended: no new model"
        case (let failure?, let model?): return "training \(kind.rawValue) failed: \(failure); \(model)"
        case (let failure?, nil): return "training \(kind.rawValue) failed: \(failure)"
        }
    }

    func stop() {
        lock.lock()
        cancellation?.cancel()
        lock.unlock()
    }

    private func post(_ action: Action) {
        lock.lock()
        pending.append(action)
        lock.unlock()
    }

    func finished() -> [Action] {
        lock.lock()
        defer { lock.unlock() }
        let out = pending
        pending = []
        return out
    }

    static func describe(_ kind: ModelKind, _ p: TrainingProgress) -> String {
        var text = "\(kind.rawValue) epoch \(p.epoch)/\(p.epochs) step \(p.step)/\(p.stepsPerEpoch)"
        text += String(format: " loss %.2f", p.loss)
        if let dice = p.meanDice { text += String(format: " Dice %.2f", dice) }
        if let left = p.secondsLeft { text += left >= 60 ? String(format: " %.0fm%02.0fs left", (left / 60).rounded(.down), left.truncatingRemainder(dividingBy: 60)) : String(format: " %.0fs left", left) }
        return text
    }
}
