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

    /// Starts training `kind` (what to show while it prepares), or stops the run in progress (nil: "stopping…"
    /// joins the run's own reports, before the one it ends with, so that a run ending as it is stopped says so last).
    func toggle(_ kind: ModelKind, epochs: Int, steps: Int) -> Action? {
        lock.lock()
        if let running = cancellation {
            running.cancel()
            pending.append(.training("stopping…", message: "training stops after this step; the best model so far stays registered"))
            lock.unlock()
            return nil
        }
        let cancellation = Cancellation()
        self.cancellation = cancellation
        self.kind = kind
        lock.unlock()
        let (shelf, clock) = (self.shelf, self.clock)
        let thread = Thread { [self] in
            var request = TrainingRequest(kind: kind)
            (request.epochs, request.steps, request.seed, request.cancellation) = (epochs, steps, clock.seed, cancellation)
            request.startedAt = clock.now()
            var unnamed: String?
            let (outcome, failure) = shelf.train(request) { event in
                switch event {
                case .progress(let p): self.post(.training(BackgroundTraining.describe(kind, p), message: nil))
                case .rescored(let name, let score, _):
                    self.post(.training("\(kind.rawValue): \(name) scored \(String(format: "%.3f", score)) on the validation studies", message: nil))
                case .unnamedLabels(let notice):
                    unnamed = notice
                    self.post(.training("\(kind.rawValue): preparing…", message: "\(kind.rawValue): " + notice))
                default: break
                }
            }
            // Said again at the end, where the annotator looks: the run learnt nothing of those structures.
            let message = BackgroundTraining.outcome(outcome, failure: failure) + (unnamed.map { "; " + $0 } ?? "")
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

    /// What the message line says when a run ends: what the serving model is now and why, and why the run ended
    /// if not by itself.
    static func outcome(_ outcome: TrainingOutcome, failure: Error?) -> String {
        switch failure {
        case nil: return "training ended: " + outcome.message
        case is CancellationError: return "training stopped: " + outcome.message
        case let failure?: return "training \(outcome.kind.rawValue) failed: \(failure)" + (outcome.best != nil ? "; " + outcome.message : "")
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
