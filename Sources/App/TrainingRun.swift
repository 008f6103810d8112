// One training run under the folder's rules, the same for `train`, the app's `t` and training after a submit: the
// stored validation split, the serving model scored on the same studies first (again when they changed), warm
// start from it, every better checkpoint of the run registered with its card, the serving model replaced only by a
// higher score, and the registry trimmed afterwards.

import Datastore
import Foundation
import Learning
import Volume

public struct TrainingRequest: Sendable {
    public var kind: ModelKind
    public var epochs: Int?
    public var steps: Int?
    public var seed: UInt64 = 1
    /// Fresh weights instead of the serving model's.
    public var fresh = false
    public var learningRate: Float?
    public var clickRounds: Int?
    public var interactiveShare: Double?
    /// Validation studies to use and store (nil: the stored split).
    public var validation: [String]?
    /// Models of the kind kept beyond the serving, pinned and imported ones: the best `keep` and the newest `keep`.
    public var keep = 3
    public var cancellation: Cancellation?
    /// When the run starts (it names the run's checkpoints).
    public var startedAt = Date()

    public init(kind: ModelKind) {
        self.kind = kind
    }
}

/// What a run reports while it works.
public enum TrainingEvent: Sendable {
    /// A model scored on the validation studies before training, as this run scores (its set or the way of
    /// scoring changed since it was scored); `serving`: the model its kind serves.
    case rescored(name: String, score: Double, serving: Bool)
    /// `from`: the model whose weights it continues (nil: fresh weights), at `learningRate`.
    case started(training: [String], validation: [String], from: String?, learningRate: Float)
    case progress(TrainingProgress)
    case checkpoint(ModelRecord)
    /// Label values in the studies that the model does not learn (`Trainer.unnamedLabelsNotice`).
    case unnamedLabels(String)

    /// Where a run starts, in the words `train` and the server report: "from <model> (learning rate r)", or from
    /// fresh weights.
    public static func startingPoint(from: String?, learningRate: Float) -> String {
        "from \(from ?? "fresh weights") (learning rate \(learningRate))"
    }
}

/// What a run changed.
public struct TrainingOutcome: Sendable {
    public var kind: ModelKind
    /// The serving model before the run (scored on this run's validation studies) and after it.
    public var before: ModelRecord?
    public var after: ModelRecord?
    /// The run's best checkpoint, if an epoch finished.
    public var best: ModelRecord?
    public var summary: TrainingSummary?
    /// Models deleted by retention.
    public var removed: [String] = []

    public var improved: Bool { best != nil && after?.name == best?.name }

    /// "deepgrow3d improved: 0.769 → 0.781 (…)", "kept …: 0.769; this run reached 0.700", …
    public var message: String {
        func score(_ record: ModelRecord?) -> String { record?.score.map { String(format: "%.3f", $0) } ?? "not scored" }
        let kind = self.kind.rawValue
        guard let best else {
            return "\(kind): no new model (the run ended before its first epoch)" + (after.map { "; \($0.name) still serves" } ?? "")
        }
        if improved {
            guard let before else { return "\(kind): \(best.name) serves (validation Dice \(score(best)))" }
            return "\(kind) improved: \(score(before)) → \(score(best)) (\(best.name) serves)"
        }
        if let after, after.pinned { return "\(kind): \(after.name) is pinned and still serves; this run reached \(score(best))" }
        return "\(kind): kept \(after?.name ?? "?") (\(score(after))); this run reached \(score(best))"
    }
}

extension ModelShelf {
    /// Runs one training; `failure` is what stopped it early (a cancel included), with what it achieved anyway.
    public func train(_ request: TrainingRequest, events: (TrainingEvent) -> Void = { _ in }) -> (outcome: TrainingOutcome, failure: Error?) {
        var outcome = TrainingOutcome(kind: request.kind)
        let kind = request.kind.rawValue
        var failure: Error?
        let lock: TrainingLock
        do { lock = try TrainingLock(database: database) } catch { return (outcome, error) }
        defer { withExtendedLifetime(lock) {} }
        do {
            let (ids, load) = try trainingStudies()
            guard !ids.isEmpty else { throw ModelError.nothingToTrainOn }
            let split = try database.validationSplit(of: ids, override: request.validation)
            var options = try trainingOptions(request.kind, epochs: request.epochs, steps: request.steps, seed: request.seed)
            if let rate = request.learningRate { options.learningRate = rate }
            if let rounds = request.clickRounds { options.clickRounds = rounds }
            if let share = request.interactiveShare { options.interactiveShare = share }
            options.validationStudies = split.validation
            options.cancellation = request.cancellation
            // With one labeled study there is nothing to hold out: validation runs on the training study.
            let validatedOn = split.validation.isEmpty ? split.training : split.validation

            // The kind's models are scored as this run scores before it trains, a generic one like any other, so
            // that the run's checkpoints and they compare on the same figure.
            try adoptOnce()
            let serving = try database.servingModel(kind: kind)
            for record in try database.models(kind: kind) where FileManager.default.fileExists(atPath: record.weightsPath)
                && (record.score == nil ? record.id == serving?.id : !ModelShelf.scored(record, like: options, on: validatedOn)) {
                var check = options
                check.validationStudies = validatedOn
                check.validationSettling = record.settlingLikelihood
                let model = try SegmentationModel.load(record.weightsPath)
                let dice = try Trainer(model: model, studies: validatedOn, options: check, load: load).validationDice()
                let mean = dice.isEmpty ? 0 : dice.values.reduce(0, +) / Double(dice.count)
                try database.rescore(record.id!, score: mean, metrics: ModelShelf.metrics(dice, mean: mean, clicksScored: check.clicksScored(request.kind)),
                                     validatedOn: validatedOn)
                events(.rescored(name: record.name, score: mean, serving: record.id == serving?.id))
            }
            outcome.before = try database.servingModel(kind: kind)
            let (model, from) = try startingPoint(request.kind, fresh: request.fresh, seed: request.seed)
            let trainer = try Trainer(model: model, studies: ids, options: options, load: load)
            events(.started(training: trainer.trainingIds, validation: trainer.validationIds, from: from?.name, learningRate: options.learningRate))
            if let notice = trainer.unnamedLabelsNotice { events(.unnamedLabels(notice)) }
            let run = ModelShelf.runStamp(request.startedAt)
            let parent = from?.name
            outcome.summary = try trainer.run(progress: { events(.progress($0)) }) { model, summary in
                let record = try register(model, summary: summary, run: run, parent: parent, stepsPerEpoch: options.stepsPerEpoch)
                outcome.best = record
                events(.checkpoint(record))
            }
        } catch {
            failure = error
        }
        do {
            outcome.removed = try database.retainModels(kind: kind, keep: request.keep)
            outcome.after = try database.servingModel(kind: kind)
        } catch {
            failure = failure ?? error
        }
        return (outcome, failure)
    }
}
