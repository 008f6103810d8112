// Model scores: MC dropout entropy is bounded, repeatable for a seed and leaves dropout off; one pass has no
// spread.

import Engine
import Learning
import Volume
import XCTest

final class UncertaintyTests: XCTestCase {
    /// A small automatic model made confident: its last layer is scaled up, so each pass answers almost one-hot
    /// and the only uncertainty left is how much the passes disagree.
    func model() throws -> SegmentationModel {
        var config = ModelConfig.defaults(.auto, labels: [ModelLabel(value: 1, name: "a")], modality: "CT")
        config.features = [4, 4, 8, 8, 16, 4]
        config.patch = [32, 32, 16]
        config.spacingMM = [nil, nil, nil]
        config.intensity = .window(low: 0, high: 1)
        let model = try SegmentationModel(config: config, seed: 5)
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

    func testWithoutDropoutOrAugmentationTheSpreadIsZero() throws {
        let model = try model()
        XCTAssertEqual(UncertaintyScore.aleatoric(model, image(textured: true), passes: 1), 0, accuracy: 1e-12, "one pass cannot spread")
    }
}
