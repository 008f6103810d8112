// `termlabel train DIR --model KIND`: trains on the studies with final labels under the folder's rules (stored
// validation split, the best model serves, retention); says what serves afterwards and why.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Engine
import Foundation
import Learning
import Segmenters
import Synthesis
import Volume

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on the folder's studies with final labels; the best model serves, not the newest.",
        discussion: """
            Validation runs on the folder's stored validation studies (about a fifth, each study's side decided once), so \
            that the scores of all runs compare. Before training, the serving model is scored on them if they changed. \
            A checkpoint serves only if it scores higher than the serving model; a pinned model (model use) serves \
            regardless. Afterwards the kind keeps its serving, pinned and imported models and the --keep best and newest.
            """
    )

    @OptionGroup var studyFolder: StudyFolderArgument

    @Option(help: "deepedit, deepgrow2d, deepgrow3d or auto.")
    var model: ModelKind

    @Option(help: "Epochs (validation after each); default: the plan's (termlabel plan), else 10.")
    var epochs: Int?

    @Option(help: "Training steps per epoch; default: the plan's, else 20.")
    var steps: Int?

    @Option(help: "Adam's learning rate at the start (cosine decay to a twentieth).")
    var learningRate: Float = TrainingOptions().learningRate

    @Option(help: "DeepGrow: at most this many rounds of predict-then-click after the first click (default: 10 for 2D, 4 for 3D).")
    var clickRounds: Int?

    @Option(help: "DeepEdit: share of steps with simulated clicks; the rest train automatic mode.")
    var interactiveShare: Double = TrainingOptions().interactiveShare

    @Option(help: "Seed of the crops, augmentation and simulated clicks.")
    var seed: UInt64 = 1

    @Flag(help: "Start from fresh weights instead of the serving model of this kind (with --synthetic: the shipped generic one).")
    var fresh = false

    @Option(help: ArgumentHelp("Validate on these studies from now on (stored; the others train).", valueName: "id,id,…"))
    var validation: String?

    @Option(help: "Keep the best and the newest this many models of the kind (with the serving, pinned and imported ones).")
    var keep = 3

    @Option(help: """
        Train a generic click model (deepgrow2d or deepgrow3d) on this many synthetic studies (seeds from --seed on; \
        termlabel samples --synthetic writes the same ones) and the folder's training studies, validating on its \
        validation studies; it continues the shipped generic model of the kind unless --fresh or --grid. Its \
        checkpoints are registered in the folder like any other model's.
        """)
    var synthetic: Int?

    @Option(help: "With --synthetic: the model's grid in mm (default: 3 for DeepGrow 3D, 2 for 2D; the crop covers 192 × 192 × 144 mm).")
    var grid: Double?

    func validate() throws {
        if keep < 1 { throw ValidationError("--keep is at least 1") }
        if let grid, synthetic == nil || !(0.5...10).contains(grid) { throw ValidationError("--grid is 0.5–10 mm, with --synthetic") }
        if let synthetic {
            guard synthetic > 0 else { throw ValidationError("--synthetic takes a number of studies, at least 1") }
            guard model.isDeepGrow else { throw ValidationError("--synthetic trains the class-agnostic click models: deepgrow2d or deepgrow3d") }
        }
    }

    func run() throws {
        if let synthetic { return try trainOnSynthetic(synthetic) }
        let shelf = ModelShelf(database: try studyFolder.database())
        var request = TrainingRequest(kind: model)
        (request.epochs, request.steps, request.seed, request.fresh) = (epochs, steps, seed, fresh)
        (request.learningRate, request.clickRounds, request.interactiveShare, request.keep) = (learningRate, clickRounds, interactiveShare, keep)
        request.validation = validation.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let bar = ProgressLine()
        let (outcome, failure) = shelf.train(request) { event in
            switch event {
            case .rescored(let name, let score, let serving):
                print("\(name)\(serving ? " (serving)" : "") scores \(String(format: "%.3f", score)) on the validation studies")
            case .started(let training, let validation, let from, let rate):
                print("training \(model.rawValue) \(TrainingEvent.startingPoint(from: from, learningRate: rate)) on \(training.joined(separator: ", ")); validating on \(validation.joined(separator: ", "))")
            case .progress(let p):
                bar.show(TrainCommand.describe(p))
            case .checkpoint(let record):
                bar.finish("epoch \(record.epochs): best of this run, \(String(format: "%.3f", record.score ?? 0)), saved as \(record.name)")
            case .unnamedLabels(let notice):
                print("note: " + notice)
            }
        }
        bar.finish("")
        if let summary = outcome.summary {
            print(String(format: "done in %.0f s: best validation Dice %.3f at epoch %d", summary.seconds, summary.bestDice, summary.bestEpoch ?? 0))
            for (name, dice) in summary.validation.sorted(by: { $0.key < $1.key }) { print(String(format: "  %-16@ %.3f", name, dice)) }
        }
        print(outcome.message)
        if !outcome.removed.isEmpty { print("removed \(outcome.removed.count) older models: \(outcome.removed.joined(separator: ", "))") }
        if let failure { throw failure }
    }

    /// Synthetic studies mixed with the folder's training studies to train on, the folder's validation studies to
    /// validate on, every better checkpoint registered. Validation takes the network's own answer to one click, as
    /// when the shipped models were made (their recipe names the epoch it kept); the folder's next `train` scores
    /// these checkpoints again as it scores its own.
    func trainOnSynthetic(_ count: Int) throws {
        let shelf = ModelShelf(database: try studyFolder.database())
        let (labeled, loadLabeled) = try shelf.trainingStudies()
        var options = try shelf.trainingOptions(model, epochs: epochs, steps: steps, seed: seed)
        (options.learningRate, options.clickRounds, options.interactiveShare) = (learningRate, clickRounds, interactiveShare)
        let split = try shelf.database.validationSplit(of: labeled)
        options.validationStudies = split.validation.isEmpty ? split.training : split.validation
        options.validationSettling = nil
        // The folder's own studies are a handful among hundreds: drawn in a fifth of the steps, they are seen.
        options.favoured = Set(split.validation.isEmpty ? [] : split.training)
        let shipped = fresh || grid != nil ? nil : shelf.generic.weights(model)
        let network = try shipped.map { try SegmentationModel.load($0) }
            ?? SegmentationModel(config: ModelConfig.generic(model, gridMM: grid), seed: seed)
        let prefix = "synthetic-"
        let ids = (0..<UInt64(count)).map { prefix + String(seed + $0) }
        let bar = ProgressLine()
        bar.show("drawing \(count) synthetic studies…")
        let trainer = try Trainer(model: network, studies: ids + labeled, options: options) { id in
            guard id.hasPrefix(prefix), let studySeed = UInt64(id.dropFirst(prefix.count)) else { return try loadLabeled(id) }
            let study = SyntheticStudy.make(seed: studySeed)
            return TrainingCase(id: id, image: study.image, labels: study.labels)
        }
        let own = trainer.trainingIds.filter { !$0.hasPrefix(prefix) }
        bar.finish("training \(model.rawValue) \(TrainingEvent.startingPoint(from: shipped.map { _ in "the shipped generic model" }, learningRate: options.learningRate)) on \(count) synthetic studies"
                   + (own.isEmpty ? "" : " and \(own.joined(separator: ", "))") + "; validating on "
                   + (labeled.isEmpty ? "them (the folder has no labeled study)" : trainer.validationIds.joined(separator: ", ")))
        let run = "generic-" + ModelShelf.runStamp()
        let summary = try trainer.run(progress: { bar.show(TrainCommand.describe($0)) }) { network, summary in
            let record = try shelf.register(network, summary: summary, run: run, parent: shipped.map { _ in "\(model.rawValue)-generic" },
                                            stepsPerEpoch: options.stepsPerEpoch)
            bar.finish("epoch \(record.epochs): best of this run, \(String(format: "%.3f", record.score ?? 0)), saved as \(record.name)")
        }
        bar.finish("")
        print(String(format: "done in %.0f s: best validation Dice %.3f at epoch %d", summary.seconds, summary.bestDice, summary.bestEpoch ?? 0))
        if let serving = try shelf.database.servingModel(kind: model.rawValue) { print("\(model.rawValue): \(serving.name) serves") }
    }

    static func describe(_ p: TrainingProgress) -> String {
        let done = Double((p.epoch - 1) * p.stepsPerEpoch + p.step) / Double(max(p.epochs * p.stepsPerEpoch, 1))
        let width = 20
        let filled = Int(done * Double(width))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        line += String(format: " epoch %d/%d step %d/%d loss %.3f", p.epoch, p.epochs, p.step, p.stepsPerEpoch, p.loss)
        if let dice = p.meanDice { line += String(format: " val Dice %.3f", dice) }
        if let left = p.secondsLeft { line += String(format: " %.0f s left", left) }
        return line
    }
}
