// `termlabel eval al`: the active-learning loop, simulated on generated CT phantoms with ground truth. Every
// strategy starts from the same two labeled studies; each round trains a few epochs (warm start), measures Dice
// on held-out phantoms, ranks the unlabeled pool and "annotates" the top study by copying its ground truth.
// The curves say how many labeled studies each strategy needs for a given held-out Dice.

import ArgumentParser
import CommandOptions
import Engine
import Foundation
import Learning
import Volume
import VolumeTesting

struct ActiveLearningEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "al",
        abstract: "Simulate the active-learning loop on generated phantoms: held-out Dice against labeled studies, per strategy."
    )

    @Option(help: "Strategies, comma-separated.")
    var strategies = "random,epistemic,aleatoric"

    @Option(help: "Phantoms in the pool (2 start labeled).")
    var pool = 12

    @Option(help: "Held-out phantoms.")
    var heldOut = 4

    @Option(help: "Rounds (one study annotated per round).")
    var rounds = 6

    @Option(help: "Training epochs per round (20 steps each).")
    var epochs = 3

    @Option(help: "Stochastic or augmented passes per scored study.")
    var passes = 5

    @Option(help: "Seed of the phantoms, the training and the random strategy.")
    var seed: UInt64 = 7

    @Flag(help: "One JSON object per strategy and round.")
    var json = false

    func run() throws {
        let chosen = try strategies.split(separator: ",").map { name -> Strategy in
            guard let s = Strategy(rawValue: String(name)) else { throw ValidationError("unknown strategy \(name)") }
            return s
        }
        // Small phantoms (64×64×32 voxels of 4.5×4.5×6 mm) so that a round takes seconds on a CPU.
        let labels = AbdomenPhantom.labelNames.enumerated().map { ModelLabel(value: UInt16($0.offset + 1), name: $0.element) }
        func phantom(_ n: Int) -> TrainingCase {
            let p = AbdomenPhantom.make(seed: seed &* 1000 &+ UInt64(n), shape: [64, 64, 32], spacing: [4.5, 0, 6])
            return TrainingCase(id: String(format: "al_%03d", n), image: p.image, labels: p.labels)
        }
        let cases = (0..<pool).map(phantom)
        let test = (pool..<(pool + heldOut)).map(phantom)
        var config = ModelConfig.defaults(.auto, labels: labels, modality: "CT")
        config.spacingMM = [nil, nil, nil]
        config.patch = [64, 64, 32]
        config.features = [8, 16, 32, 64, 128, 16]
        let testPrepared = test.map { PreparedImage($0.image, config: config) }
        if !json { print("strategy     labeled  held-out Dice (mean over labels)   seconds") }
        for strategy in chosen {
            let start = DispatchTime.now()
            var labeled = [0, 1]
            let model = try SegmentationModel(config: config, seed: seed)
            for round in 0...rounds {
                var options = TrainingOptions()
                options.epochs = epochs
                options.stepsPerEpoch = 20
                options.seed = seed &+ UInt64(round)
                options.validationShare = 0
                let trainer = try Trainer(model: model, cases: labeled.map { cases[$0] }, options: options)
                _ = try trainer.run()
                let dice = zip(test, testPrepared).map { c, prepared in
                    let result = Inference.segment(model, prepared)
                    let present = c.labels.labelsPresent
                    return present.map { result.dice(with: c.labels, label: $0) }.reduce(0, +) / Double(max(present.count, 1))
                }.reduce(0, +) / Double(test.count)
                let elapsed = seconds(since: start)
                if json {
                    print("{\"strategy\": \"\(strategy.rawValue)\", \"labeled\": \(labeled.count), \"dice\": \(String(format: "%.4f", dice)), \"seconds\": \(String(format: "%.1f", elapsed))}")
                } else {
                    print(String(format: "%-12@ %7d  %.4f                            %.0f", strategy.rawValue, labeled.count, dice, elapsed))
                }
                fflush(nil)
                guard round < rounds else { break }
                // Rank the unlabeled pool with the model as it is now, and annotate the top study.
                let candidates = (0..<pool).filter { !labeled.contains($0) }.map { n -> Candidate in
                    var c = Candidate(id: cases[n].id)
                    if strategy.usesModel {
                        let prepared = PreparedImage(cases[n].image, config: config)
                        c.score = strategy == .epistemic
                            ? UncertaintyScore.epistemic(model, prepared, passes: passes, seed: seed)
                            : UncertaintyScore.aleatoric(model, prepared, passes: passes, seed: seed)
                    }
                    return c
                }
                let top = Ranker.rank(candidates, strategy: strategy, seed: seed &+ UInt64(round))[0]
                labeled.append(cases.firstIndex { $0.id == top.id }!)
            }
        }
    }
}
