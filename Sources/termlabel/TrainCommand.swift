// `termlabel train DIR --model KIND`: trains on the studies with final labels; each better checkpoint is registered.

import App
import ArgumentParser
import CommandOptions
import Datastore
import Engine
import Foundation
import Learning
import Segmenters
import Volume

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on the folder's studies with final labels; each better checkpoint is registered."
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

    @Flag(help: "Start from fresh weights instead of the newest model of this kind.")
    var fresh = false

    func run() throws {
        let database = try studyFolder.database()
        let shelf = ModelShelf(database: database)
        let model = try shelf.startingPoint(self.model, fresh: fresh, seed: seed)
        var options = try shelf.trainingOptions(self.model, epochs: epochs, steps: steps, seed: seed)
        options.learningRate = learningRate
        options.clickRounds = clickRounds
        options.interactiveShare = interactiveShare
        let trainer = try shelf.trainer(model, options: options)
        print("training \(self.model.rawValue) on \(trainer.trainingIds.joined(separator: ", ")); validating on \(trainer.validationIds.joined(separator: ", "))")
        let run = ModelShelf.runStamp()
        let bar = ProgressLine()
        let summary = try trainer.run(progress: { bar.show(TrainCommand.describe($0)) }) { model, summary in
            let record = try shelf.register(model, summary: summary, run: run)
            bar.finish("epoch \(summary.bestEpoch ?? 0): best so far, saved as \(record.name) (\(record.weightsPath))")
        }
        bar.finish("")
        print(String(format: "done in %.0f s: best validation Dice %.3f at epoch %d", summary.seconds, summary.bestDice, summary.bestEpoch ?? 0))
        for (name, dice) in summary.validation.sorted(by: { $0.key < $1.key }) { print(String(format: "  %-16@ %.3f", name, dice)) }
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
