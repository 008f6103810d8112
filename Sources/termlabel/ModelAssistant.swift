// The app's models: answering a model request with the folder's newest model (prepared images kept per study,
// so clicks on the same study answer fast), and training in the background while the annotator works.

import Datastore
import Foundation
import Learning
import Segmenters
import TUI
import Volume

final class ModelAssistant: @unchecked Sendable {
    let shelf: ModelShelf
    private let lock = NSLock()
    /// The prepared image of the open study per configuration (a few: one per model kind in use).
    private var prepared: [String: PreparedImage] = [:]

    init(shelf: ModelShelf) { self.shelf = shelf }

    static func kind(_ assistant: Assistant) -> ModelKind {
        switch assistant {
        case .deepgrow2d: .deepgrow2d
        case .deepgrow3d: .deepgrow3d
        case .deepedit, .classical: .deepedit
        }
    }

    func prepare(_ image: Volume, study: String, model: SegmentationModel) -> PreparedImage {
        // One preparation per study and model grid (spacing) and intensity mapping.
        let key = "\(study) \(model.config.spacingMM) \(model.config.intensity)"
        lock.lock()
        if let ready = prepared[key] { lock.unlock(); return ready }
        lock.unlock()
        let ready = PreparedImage(image, config: model.config)
        lock.lock()
        if prepared.count > 6 { prepared = [:] }
        prepared[key] = ready
        lock.unlock()
        return ready
    }

    /// The automatic model if there is one, else DeepEdit (which is automatic with no clicks).
    func wholeStudyModel() throws -> (ModelRecord, SegmentationModel) {
        if let found = try shelf.current(.auto) { return found }
        if let found = try shelf.current(.deepedit) { return found }
        throw ModelError.noModel("no automatic or DeepEdit model yet: submit a few labels, then t trains one (or termlabel train)")
    }

    func run(_ request: ModelRequest, cancellation: Cancellation) -> Action {
        let start = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        do {
            let clicks = ClickSet(seeds: request.seeds, backgroundValue: Draft.backgroundSeed)
            switch request.task {
            case .clicks(let assistant):
                let kind = ModelAssistant.kind(assistant)
                guard let (record, model) = try shelf.current(kind) else {
                    throw ModelError.noModel("no \(kind.rawValue) model yet: t trains one on the submitted labels (or m picks another tool)")
                }
                let ready = prepare(request.image, study: request.studyId, model: model)
                // The 3D models' answers are settled on the image by a graph cut with the clicks as seeds.
                let seeds = Seeds(scribbles: request.seeds, backgroundValue: Draft.backgroundSeed)
                var options = GraphCutOptions()
                options.cancellation = cancellation
                if kind.isDeepGrow {
                    let foreground = clicks.byLabel[request.label] ?? []
                    let grown = kind == .deepgrow3d
                        ? try Inference.growSettled(model, ready, image: request.image, foreground: foreground, background: clicks.background,
                                                    seeds: seeds.against(request.label), label: request.label, options: options)
                        : try Inference.grow(model, ready, foreground: foreground, background: clicks.background)
                    var result = LabelVolume(grid: request.image.grid)
                    for n in grown.mask.indices where grown.mask[n] { result.voxels[n] = request.label }
                    return .inferred(result, labels: [request.label], region: grown.region, seconds: seconds(), note: "\(assistant.rawValue) (\(record.name))")
                }
                let result = try Inference.editSettled(model, ready, image: request.image, clicks: clicks, seeds: seeds, options: options)
                // DeepEdit edits the labels that have clicks; the others stay as the annotator left them.
                let known = Set(model.config.labels.map(\.value))
                let clicked = clicks.byLabel.keys.filter { known.contains($0) }
                return .inferred(result, labels: clicked.sorted(), region: nil, seconds: seconds(), note: "DeepEdit (\(record.name))")
            case .automatic:
                let (record, model) = try wholeStudyModel()
                let result = Inference.segment(model, prepare(request.image, study: request.studyId, model: model))
                return .inferred(result, labels: model.config.labels.map(\.value), region: nil, seconds: seconds(),
                                 note: "automatic segmentation (\(record.name))")
            case .refine:
                let (record, model) = try wholeStudyModel()
                guard let probability = Inference.probability(of: request.label, model, prepare(request.image, study: request.studyId, model: model)) else {
                    throw ModelError.noModel("\(record.name) does not know label \(request.label)")
                }
                let seeds = Seeds(scribbles: request.seeds, backgroundValue: Draft.backgroundSeed)
                var options = GraphCutOptions()
                options.cancellation = cancellation
                let result = try GraphCutSegmenter.refine(request.image, probabilities: probability, label: request.label, seeds: seeds, options: options)
                return .inferred(result.labels, labels: [request.label], region: result.region, seconds: seconds(),
                                 note: "refined with scribbles and \(record.name)")
            }
        } catch {
            return .failed("\(error)")
        }
    }
}

/// One training run at a time on a background thread; the UI polls its progress line.
final class BackgroundTraining: @unchecked Sendable {
    let shelf: ModelShelf
    private let lock = NSLock()
    private var cancellation: Cancellation?
    private var pending: [Action] = []
    private(set) var kind: ModelKind?

    init(shelf: ModelShelf) { self.shelf = shelf }

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancellation != nil
    }

    /// Starts training `kind`, or stops the run in progress.
    func toggle(_ kind: ModelKind, epochs: Int = 5, steps: Int = 20) -> Action {
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
        let shelf = self.shelf
        let thread = Thread { [self] in
            let message: String
            do {
                let model = try shelf.startingPoint(kind, fresh: false, seed: UInt64(Date().timeIntervalSince1970))
                var options = TrainingOptions()
                options.epochs = epochs
                options.stepsPerEpoch = steps
                options.cancellation = cancellation
                options.seed = UInt64(Date().timeIntervalSince1970)
                options.labelNames = Dictionary(try shelf.labels().map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
                let trainer = try shelf.trainer(model, options: options)
                let run = ModelShelf.runStamp()
                var saved: String?
                let summary = try? trainer.run(progress: { p in
                    self.post(.training(BackgroundTraining.describe(kind, p), message: nil))
                }) { model, summary in
                    saved = try shelf.register(model, summary: summary, run: run).name
                }
                let dice = summary.map { String(format: "%.3f", $0.bestDice) } ?? "—"
                message = saved.map { "training \(kind.rawValue) ended: \($0) (validation Dice \(dice)) is in use from the next call" }
                    ?? "training \(kind.rawValue) stopped before its first epoch ended: no new model"
            } catch {
                message = "training \(kind.rawValue): \(error)"
            }
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
