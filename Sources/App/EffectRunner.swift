// Runs what the reducer asks for, off the UI thread, and hands the outcomes back as actions: study I/O and the
// journal in order on one queue, segmentations, model calls and rankings as one cancellable job, training on its
// own thread.

import Datastore
import Foundation
import Learning
import Segmenters
import TUI
import Volume

final class EffectRunner: @unchecked Sendable {
    let database: AppDatabase
    let clock: any AppClock
    private let book: AnnotationBook
    /// Study loads, journal writes, label names and submits: one at a time, in the order asked.
    private let studyQueue = DispatchQueue(label: "termlabel.study-io", qos: .userInitiated)
    private let work = BackgroundWork()
    private let assistant: ModelAssistant
    private let training: BackgroundTraining
    private let lock = NSLock()
    private var outcomes: [Action] = []
    private var queuedStudyWork = 0

    /// How long a training run started with `t` lasts.
    let trainingLength: TrainingLength

    init(database: AppDatabase, clock: any AppClock, trainingLength: TrainingLength) {
        self.trainingLength = trainingLength
        self.database = database
        self.clock = clock
        book = AnnotationBook(database: database, clock: clock)
        let shelf = ModelShelf(database: database)
        assistant = ModelAssistant(shelf: shelf, clock: clock)
        training = BackgroundTraining(shelf: shelf, clock: clock)
    }

    /// Starts an effect that leaves the UI (the console handles quit, redraw and suspend).
    func start(_ effect: Effect) {
        switch effect {
        case .quit, .invalidateScreen, .suspend:
            preconditionFailure("the console's effect \(effect) reached the runner")
        case .load(let id):
            onStudyQueue { $0.open(id) }
        case .journal(let edit, let id, let base):
            onStudyQueue { $0.journal(edit, studyId: id, baseVersion: base) }
        case .saveLabelNames(let names, let id, let base):
            onStudyQueue { $0.saveLabelNames(names, studyId: id, baseVersion: base) }
        case .submit(let id, let labels, let base, let names):
            onStudyQueue { $0.submit(id, labels: labels, basedOn: base, names: names) }
        case .segment(let request):
            onStudyQueue { $0.record(.modelCall) }
            let clock = self.clock
            work.start { EffectRunner.segment(request, clock: clock, cancellation: $0) }
        case .infer(let request):
            onStudyQueue { $0.record(.modelCall) }
            let assistant = self.assistant
            work.start { assistant.run(request, cancellation: $0) }
        case .rank(let strategy):
            let (ranking, seed) = (StudyRanking(database: database), clock.seed)
            work.start { cancellation in
                do {
                    let order = try ranking.rank(strategy, seed: seed, cancellation: cancellation)
                    return .ranked(strategy, order.map { ($0.id, $0.score) })
                } catch {
                    return .failed("ranking by \(strategy.rawValue): \(error)")
                }
            }
        case .listStudies:
            let (database, clock) = (self.database, self.clock)
            onStudyQueue { _ in
                do { return [.studiesListed(try StudyEntry.all(in: database, at: clock.now()))] } catch {
                    return [.failed("the study list could not be read: \(error)")]
                }
            }
        case .listReviewQueue(let filter):
            onStudyQueue { $0.reviewQueue(filter) }
        case .loadReviewFigures(let id):
            onStudyQueue { $0.reviewFigures(id) }
        case .prefetch(let id):
            book.prefetch.start(id)
        case .decide(let id, let version, let verdict, let level, let comment):
            onStudyQueue { $0.decide(id, version: version, verdict: verdict, level: level, comment: comment) }
        case .toggleTraining(let tool):
            if let action = training.toggle(tool.modelKind, epochs: trainingLength.epochs, steps: trainingLength.steps) { post([action]) }
        case .cancelWork:
            work.cancel()
        }
    }

    /// Outcomes that came back since the last call, oldest first.
    func finished() -> [Action] {
        var actions = work.finished()
        actions += training.finished()
        lock.lock()
        actions += outcomes
        outcomes = []
        lock.unlock()
        return actions
    }

    /// Nothing runs or waits on the study queue and no job runs (training may).
    var isIdle: Bool {
        lock.lock()
        let studyIdle = queuedStudyWork == 0 && outcomes.isEmpty
        lock.unlock()
        return studyIdle && work.isIdle
    }

    var isTraining: Bool { training.isRunning }

    /// The study list's change stamp; nil when it cannot be read now (the next look will try again).
    func changeStamp() -> String? {
        try? database.changeStamp()
    }

    /// Stops training, waits for the study queue (every journaled edit on disk), and lets go of the open study.
    func close() {
        training.stop()
        work.cancel()
        let book = self.book
        studyQueue.sync { _ = book.close() }
    }

    private func onStudyQueue(_ job: @escaping @Sendable (AnnotationBook) -> [Action]) {
        lock.lock()
        queuedStudyWork += 1
        lock.unlock()
        let book = self.book
        studyQueue.async {
            let actions = job(book)
            self.lock.lock()
            self.outcomes += actions
            self.queuedStudyWork -= 1
            self.lock.unlock()
        }
    }

    private func post(_ actions: [Action]) {
        lock.lock()
        outcomes += actions
        lock.unlock()
    }

    /// The classical tool's answer: a graph cut with the draft's seeds.
    static func segment(_ request: SegmentRequest, clock: any AppClock, cancellation: Cancellation) -> Action {
        let start = clock.now()
        do {
            let seeds = Seeds(scribbles: request.seeds, backgroundValue: Draft.backgroundSeed, clicks: request.clicks.map(\.voxel))
                .leading(with: request.clicks)
            var options = GraphCutOptions()
            options.cancellation = cancellation
            let result = try GraphCutSegmenter.segment(request.image, seeds: seeds, options: options)
            return .segmented(result.labels, seconds: clock.seconds(since: start))
        } catch {
            return .failed("\(error)")
        }
    }
}
