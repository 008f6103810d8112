// Model scores: MC dropout entropy is bounded, repeatable for a seed and leaves dropout off; a study whose dropout
// passes disagree ranks above one where they agree, and so does one whose augmented copies disagree; a network
// that ignores the image has no spread.

import Engine
import Learning
import Volume
import XCTest

final class UncertaintyTests: XCTestCase {
    /// A small automatic model on a 32×32×16 grid, with fresh weights.
    func freshModel() throws -> SegmentationModel {
        var config = ModelConfig.defaults(.auto, labels: [ModelLabel(value: 1, name: "a")], modality: "CT")
        config.features = [4, 4, 8, 8, 16, 4]
        config.patch = [32, 32, 16]
        config.spacingMM = [nil, nil, nil]
        config.intensity = .window(low: 0, high: 1)
        return try SegmentationModel(config: config, seed: 5)
    }

    /// The small model made confident: its last layer is scaled up, so each pass answers almost one-hot and the only
    /// uncertainty left is how much the passes disagree.
    func model() throws -> SegmentationModel {
        let model = try freshModel()
        model.withNetwork { network in
            for p in network.parameters where p.name == "final_conv.conv.weight" || p.name == "final_conv.weight" {
                p.variable.value.data = p.variable.value.data.map { $0 * 40 }
            }
        }
        return model
    }

    /// Two studies: an empty field (all zero) and a textured one.
    func image(textured: Bool) -> PreparedImage {
        let grid = Grid(shape: [32, 32, 16], affine: .identity)
        let noise = Tensor.randomUniform([grid.voxelCount], low: 0.2, high: 0.9, seed: 3).data
        let volume = Volume(grid: grid, voxels: textured ? noise : [Float](repeating: 0, count: grid.voxelCount))
        var config = ModelConfig.defaults(.auto, labels: [], modality: "CT")
        config.spacingMM = [nil, nil, nil]
        config.intensity = .window(low: 0, high: 1)
        return PreparedImage(volume, config: config)
    }

    func testScoringLeavesDropoutOffAndIsRepeatable() throws {
        let model = try model()
        let study = image(textured: true)
        let first = UncertaintyScore.epistemic(model, study, passes: 4, seed: 9)
        XCTAssertEqual(model.withNetwork { $0.dropout }, 0, "dropout is off again after scoring")
        XCTAssertEqual(UncertaintyScore.epistemic(model, study, passes: 4, seed: 9), first, "the same seed, the same score")
        XCTAssertGreaterThan(first, 0)
        XCTAssertLessThanOrEqual(first, log(2) + 1e-9, "entropy of two classes")
    }

    /// A constructed case. With every bias but the last layer's set to zero (the norms' shifts are zero when
    /// fresh), an image of zeros stays exactly zero through every layer: dropout has nothing to drop, and every
    /// pass gives the last layer's bias, set to answer "background". On a textured image the passes differ. The
    /// last layer's weights are scaled up so that each pass answers almost one-hot on both studies: what is left
    /// to measure is the passes' disagreement.
    func testTheStudyWhosePassesDisagreeRanksFirst() throws {
        let model = try model()
        model.withNetwork { network in
            for p in network.parameters where p.name.hasSuffix("bias") {
                p.variable.value.data = p.name.hasPrefix("final_conv") ? [6, -6] : [Float](repeating: 0, count: p.variable.value.count)
            }
        }
        let grid = Grid(shape: [32, 32, 16], affine: .identity)
        var config = ModelConfig.defaults(.auto, labels: [], modality: "CT")
        config.spacingMM = [nil, nil, nil]
        config.intensity = .window(low: 0, high: 1)
        let air = PreparedImage(Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount)), config: config)
        let studies = [("air", air), ("texture", image(textured: true))]
        let n = grid.voxelCount
        func foreground(_ study: PreparedImage, dropoutSeed: UInt64?) -> [Float] {
            Array(Inference.probabilities(model, image: study.image, shape: study.shape, clicks: ClickSet(), dropoutSeed: dropoutSeed)[n...])
        }
        for (name, study) in studies {
            let sure = foreground(study, dropoutSeed: nil).filter { $0 < 0.05 || $0 > 0.95 }.count
            XCTAssertGreaterThan(Double(sure) / Double(n), 0.75, "without dropout, \(name) is answered with confidence")
        }
        let kept = model.withNetwork { network -> Float in defer { network.dropout = 0.2 }; return network.dropout }
        let split = studies.map { _, study -> Double in
            let passes = (0..<6).map { foreground(study, dropoutSeed: 100 + UInt64($0)).map { $0 > 0.5 } }
            return Double((0..<n).filter { v in Set(passes.map { $0[v] }).count > 1 }.count) / Double(n)
        }
        model.withNetwork { $0.dropout = kept }
        XCTAssertEqual(split[0], 0, "on air every pass gives the same answer")
        XCTAssertGreaterThan(split[1], 0.1, "on texture the passes split")
        let candidates = studies.map { Candidate(id: $0.0, score: UncertaintyScore.epistemic(model, $0.1, passes: 6, seed: 3)) }
        XCTAssertEqual(Ranker.rank(candidates, strategy: .epistemic).map(\.id), ["texture", "air"], "\(candidates)")
        XCTAssertLessThan(candidates[0].score!, 0.01, "agreeing confident passes: no uncertainty")
        let onePassEach = UncertaintyScore.epistemic(model, studies[1].1, passes: 6, rate: 0, seed: 3)
        XCTAssertGreaterThan(candidates[1].score!, 2 * onePassEach, "texture's score comes from the disagreement, not from one pass's doubt")
    }

    /// A constructed case for test-time augmentation. Every conv keeps only its kernel's centre tap and every
    /// up-sampling kernel has equal taps, so the network commutes with flips: a flipped copy, flipped back, gives the
    /// same answer. The first instance norm removes an intensity shift and, on a study with contrast, an intensity
    /// scale too, so every copy of that study gets the same answer. On a study with almost no contrast (variance far
    /// below the norm's epsilon) the norm no longer divides the scale out, and the norms' shifts carry it through the
    /// leaky ReLUs: its copies disagree, and TTA ranks it first.
    func testTheStudyWhoseAugmentedCopiesDisagreeRanksFirst() throws {
        let model = try freshModel()
        model.withNetwork { network in
            for p in network.parameters {
                let shape = p.variable.value.shape
                if p.name.contains(".N.") && p.name.hasSuffix("bias") {
                    p.variable.value.data = [Float](repeating: 0.5, count: p.variable.value.count)
                }
                guard shape.count == 5 else { continue }
                let taps = shape[2...].reduce(1, *)
                var data = p.variable.value.data
                for start in stride(from: 0, to: data.count, by: taps) {
                    for t in 0..<taps where taps > 1 {
                        data[start + t] = taps == 27 ? (t == 13 ? data[start + t] : 0) : data[start]
                    }
                }
                // The first conv amplifies, so that a study with contrast is far above the first norm's epsilon.
                p.variable.value.data = p.name.hasPrefix("conv_0.conv_0.") ? data.map { $0 * 100 } : data
            }
        }
        let grid = Grid(shape: [32, 32, 16], affine: .identity)
        let noise = Tensor.randomUniform([grid.voxelCount], low: -0.5, high: 0.5, seed: 3).data
        func study(contrast: Float) -> PreparedImage {
            PreparedImage(Volume(grid: grid, voxels: noise.map { 0.5 + contrast * $0 }), config: model.config)
        }
        let studies = [("contrast", study(contrast: 0.6)), ("flat", study(contrast: 1e-4))]
        let candidates = studies.map { Candidate(id: $0.0, score: UncertaintyScore.aleatoric(model, $0.1, passes: 6, seed: 3)) }
        XCTAssertEqual(Ranker.rank(candidates, strategy: .aleatoric).map(\.id), ["flat", "contrast"], "\(candidates)")
        XCTAssertLessThan(candidates[0].score!, 1e-4, "copies of a study with contrast agree: \(candidates)")
        XCTAssertGreaterThan(candidates[1].score!, 100 * candidates[0].score!, "\(candidates)")
    }

    /// The spread is the answers' disagreement, not the augmented images': a network that ignores its input (every
    /// weight zero) answers the same to every augmented copy of a textured study.
    func testANetworkThatIgnoresTheImageHasNoSpread() throws {
        let model = try freshModel()
        model.withNetwork { network in
            for p in network.parameters where p.name.hasSuffix("weight") && p.variable.value.shape.count > 1 {
                p.variable.value.data = [Float](repeating: 0, count: p.variable.value.count)
            }
        }
        let study = image(textured: true)
        XCTAssertEqual(UncertaintyScore.aleatoric(model, study, passes: 6, seed: 3), 0, accuracy: 1e-9)
        XCTAssertGreaterThan(UncertaintyScore.aleatoric(try self.model(), study, passes: 6, seed: 3), 1e-3, "a network that reads the image spreads")
    }
}
