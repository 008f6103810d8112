// The annotation app: state, reducer and effects around one console. The state changes only in the reducer;
// what the reducer asks for runs off the UI thread and comes back as actions.

import Cells
import Datastore
import Foundation
import TUI
import Volume

/// A background training run's length: short, so that the annotator sees a better model within minutes.
public struct TrainingLength: Sendable {
    public var epochs: Int
    public var steps: Int
    public init(epochs: Int, steps: Int) {
        self.epochs = epochs
        self.steps = steps
    }
}

public final class AnnotationApp {
    public private(set) var state: AppState
    public let console: any Console
    private let runner: EffectRunner
    /// The console shows the frame of the current state.
    private var drawn = false
    /// The study list's stamp when last shown, and when it was last compared (other processes change the list).
    private var shownStamp: String?
    private var stampCheckedAt = Date.distantPast

    /// The app on `database`'s study list; `state` carries the settings (theme, keys, colour depth, message).
    public init(database: AppDatabase, state: AppState, console: any Console, clock: any AppClock = SystemClock(),
                trainingLength: TrainingLength = TrainingLength(epochs: 5, steps: 20)) {
        self.state = state
        self.console = console
        runner = EffectRunner(database: database, clock: clock, trainingLength: trainingLength)
        self.state.screen = console.size
    }

    /// The loop: draw, take what background work finished, wait briefly for an event, reduce. Ends on quit or when
    /// `stopRequested` says so (a signal), then lets go of the study with every edit on disk.
    public func run(stopRequested: () -> Bool = { false }) {
        defer { close() }
        while state.running && !stopRequested() {
            if console.wasContinued() {
                console.invalidate()
                drawn = false
            }
            guard console.isForeground else {
                usleep(100_000)
                continue
            }
            present()
            if Date().timeIntervalSince(stampCheckedAt) >= 3 {
                stampCheckedAt = Date()
                noticeOutsideChanges()
            }
            let finished = takeFinished()
            if let event = console.nextEvent(timeout: finished ? 0 : 100) { send(event) }
        }
    }

    /// One event from the console, reduced with everything it sets off.
    public func send(_ event: InputEvent) {
        switch event {
        case .key(let key): handle(.key(key))
        case .mouse(let button, let x, let y, let pressed): handle(.mouse(button: button, x: x, y: y, pressed: pressed))
        case .resize(let width, let height): handle(.resize(width: width, height: height))
        }
    }

    /// Reduces an action and starts the effects it asks for.
    public func handle(_ action: Action) {
        drawn = false
        start(Reducer.reduce(&state, action))
    }

    /// Opens in review mode on the queue `filter` selects.
    public func startReview(_ filter: ReviewQueueFilter) {
        start(Reducer.enterReview(filter, on: &state))
    }

    private func start(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .quit: break
            case .invalidateScreen:
                console.invalidate()
                drawn = false
            case .suspend: console.suspend()
            case .load:
                // The list shows "opening…" while the image is read.
                present()
                runner.start(effect)
            default: runner.start(effect)
            }
        }
    }

    /// Reads the study list again when another process changed it (a label saved from 3D Slicer through `termlabel
    /// serve`, a colleague's submit, a new model), so that the list is current without a restart.
    public func noticeOutsideChanges() {
        guard let stamp = runner.changeStamp() else { return }
        defer { shownStamp = stamp }
        if let shownStamp, shownStamp != stamp { start([.listStudies]) }
    }

    /// Reduces what background work finished since the last call; true when there was something.
    @discardableResult
    public func takeFinished() -> Bool {
        let actions = runner.finished()
        // A model call's tensors are free now: the annotator may not click again for minutes.
        if actions.contains(where: { if case .inferred = $0 { true } else { false } }) { MemoryPolicy.release() }
        for action in actions { handle(action) }
        return !actions.isEmpty
    }

    /// Draws the state on the console at its size (a changed size is reduced first).
    public func present() {
        let size = console.size
        if size != state.screen { handle(.resize(width: size.width, height: size.height)) }
        if let cell = console.cellPixels, cell != state.cellPixels { handle(.cellSize(width: cell.width, height: cell.height)) }
        // The state changes only by actions: with none since the last frame, the frame on screen is still right
        // (an idle app draws nothing, instead of ten frames a second).
        if drawn { return }
        console.present(Screen.render(state, width: size.width, height: size.height),
                        pictures: Screen.pictures(state, width: size.width, height: size.height))
        drawn = true
    }

    /// Waits until no effect runs (training aside, unless `training`), reducing the outcomes as they come; for tests
    /// and scripts. False if `timeout` seconds passed first.
    @discardableResult
    public func settle(timeout: TimeInterval = 120, training: Bool = false) -> Bool {
        let deadline = Date() + timeout
        while Date() < deadline {
            let busy = !runner.isIdle || (training && runner.isTraining)
            if !takeFinished() && !busy { return true }
            usleep(2_000)
        }
        return false
    }

    /// Stops training, writes what is queued and lets go of the open study.
    public func close() {
        runner.close()
    }
}
