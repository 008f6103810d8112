// Training learns what the clicks mean: on volumes with several equally bright discs, a small DeepGrow 2D
// learns to outline the disc that was clicked and not its twins, judged on a study it never saw. The best
// checkpoint is handed out with its validation figures.

import Engine
@testable import Learning
import Volume
import XCTest
import Randomness

final class TrainerTests: XCTestCase {
    /// 48×48×4 voxels of noise with three bright discs (labels 1, 2, 3), each through every slice.
    static func discs(seed: UInt64) -> TrainingCase {
        var random = SplitMix(seed: seed)
        let grid = Grid(shape: [48, 48, 4], affine: .scaling(1, 1, 2))
        let noise = Tensor.randomNormal([grid.voxelCount], std: 0.25, seed: seed &+ 100).data
        var image = Volume(grid: grid, voxels: noise)
        var labels = LabelVolume(grid: grid)
        var centres: [(Double, Double, Double)] = []
        while centres.count < 3 {
            let r = 4 + random.nextUnit() * 5
            let c = (r + 1 + random.nextUnit() * (46 - 2 * r), r + 1 + random.nextUnit() * (46 - 2 * r), r)
            if centres.allSatisfy({ hypot($0.0 - c.0, $0.1 - c.1) > $0.2 + c.2 + 2 }) { centres.append(c) }
        }
        for (n, c) in centres.enumerated() {
            for k in 0..<4 { for j in 0..<48 { for i in 0..<48 where hypot(Double(i) - c.0, Double(j) - c.1) <= c.2 {
                image.voxels[grid.offset(i, j, k)] += 1
                labels.voxels[grid.offset(i, j, k)] = UInt16(n + 1)
            } } }
        }
        return TrainingCase(id: String(format: "discs_%03d", seed), image: image, labels: labels)
    }

    func testDeepGrow2DLearnsToOutlineTheClickedDiscOnAnUnseenStudy() throws {
        let config = ModelConfig(kind: .deepgrow2d, features: [8, 8, 16, 16, 32, 8], labels: [], spacingMM: [nil, nil, nil],
                                 patch: [32, 32, 1], intensity: .window(low: -0.5, high: 1.5), guidanceSigma: 2)
        let model = try SegmentationModel(config: config, seed: 4)
        var options = TrainingOptions()
        options.epochs = 3
        options.stepsPerEpoch = 25
        options.learningRate = 1e-2
        options.clickRounds = 1
        options.validationShare = 0.25
        let cases = (1...4).map { TrainerTests.discs(seed: UInt64($0)) }
        let trainer = try Trainer(model: model, cases: cases, options: options)
        XCTAssertEqual(trainer.validationIds, ["discs_004"])
        var checkpoints: [Double] = []
        var reports = 0
        let summary = try trainer.run(progress: { _ in reports += 1 }) { _, summary in checkpoints.append(summary.bestDice) }
        XCTAssertEqual(reports, 3 * 25 + 3, "a report per step and per epoch")
        XCTAssertEqual(checkpoints, checkpoints.sorted(), "a checkpoint only when validation improves")
        XCTAssertEqual(checkpoints.last, summary.bestDice)
        XCTAssertGreaterThan(summary.bestDice, 0.85, "Dice of the clicked disc on the held-out study: \(summary.validation)")

        // At inference, a click on one disc outlines that disc and leaves its twins.
        let study = TrainerTests.discs(seed: 4)
        let prepared = PreparedImage(study.image, config: model.config)
        let inside = study.labels.voxels.indices.filter { study.labels.voxels[$0] == 2 && $0 / (48 * 48) == 1 }
        let centre = inside[inside.count / 2]
        let (mask, _) = try Inference.grow(model, prepared, foreground: [VoxelIndex(centre % 48, (centre / 48) % 48, 1)], background: [])
        var grown = LabelVolume(grid: study.image.grid)
        for n in mask.indices where mask[n] { grown.voxels[n] = 2 }
        let slice = (48 * 48)..<(2 * 48 * 48)
        let truth = study.labels.voxels[slice].map { $0 == 2 }, got = grown.voxels[slice].map { $0 == 2 }
        let both = zip(truth, got).filter { $0 && $1 }.count
        XCTAssertGreaterThan(2 * Double(both) / Double(truth.filter { $0 }.count + got.filter { $0 }.count), 0.8)
        let onTwins = slice.filter { study.labels.voxels[$0] == 1 || study.labels.voxels[$0] == 3 }.filter { mask[$0] }.count
        XCTAssertLessThan(onTwins, 20, "the other discs stay out")
        XCTAssertEqual(mask[0..<(48 * 48)].filter { $0 }.count, 0, "a 2D model labels the clicked slice only")
    }

    /// DeepGrow is validated on what a user gets: the robot's clicks, each answer settled as it is served. A network
    /// that has learnt nothing answers noise on its own, while its settled answers outline the clicked disc (on the
    /// seeds' likelihood, as a generic model's are; on its probability beside the intensities, as a folder's model's
    /// are): the figure follows the settling, not the network alone.
    func testDeepGrowValidationScoresTheSettledAnswersToTheRobotsClicks() throws {
        let config = ModelConfig(kind: .deepgrow2d, features: [4, 4, 8, 8, 16, 4], labels: [], spacingMM: [nil, nil, nil],
                                 patch: [32, 32, 1], intensity: .window(low: -0.5, high: 1.5), guidanceSigma: 2)
        let untrained = try SegmentationModel(config: config, seed: 4)
        func figure(_ settling: SettlingLikelihood?) throws -> Double {
            var options = TrainingOptions()
            options.validationStudies = ["discs_004"]
            options.validationSettling = settling
            let trainer = try Trainer(model: untrained, cases: (3...4).map { TrainerTests.discs(seed: UInt64($0)) }, options: options)
            let dice = try trainer.validationDice()
            XCTAssertEqual(dice.count, 3, "one figure per disc: \(dice)")
            return dice.values.reduce(0, +) / Double(dice.count)
        }
        XCTAssertLessThan(try figure(nil), 0.5, "the network's own answer")
        XCTAssertGreaterThan(try figure(.model), 0.85, "settled on its probability and the intensities")
        XCTAssertGreaterThan(try figure(.seeds), 0.9, "settled on the seeds' likelihood")
    }

    /// DeepGrow 2D sees a structure as often as it has axial sections (MONAI's slice-wise dataset): a disc through
    /// one slice of four is drawn a quarter as often as one through all four; DeepGrow 3D draws structures evenly.
    func testDeepGrow2DDrawsStructuresByTheirSections() throws {
        var study = TrainerTests.discs(seed: 1)
        let plane = 48 * 48
        for n in plane..<study.labels.voxels.count where study.labels.voxels[n] == 3 { study.labels.voxels[n] = 0 }
        let planar: [Double] = [4.0 / 9, 4.0 / 9, 1.0 / 9], even: [Double] = [1.0 / 3, 1.0 / 3, 1.0 / 3]
        for (kind, expected) in [(ModelKind.deepgrow2d, planar), (ModelKind.deepgrow3d, even)] {
            let patch = kind == .deepgrow2d ? [32, 32, 1] : [32, 32, 16]
            let config = ModelConfig(kind: kind, features: [4, 4, 4, 4, 4, 4], labels: [], spacingMM: [nil, nil, nil],
                                     patch: patch, intensity: .window(low: -0.5, high: 1.5), guidanceSigma: 2)
            var options = TrainingOptions()
            options.validationShare = 0
            let trainer = try Trainer(model: try SegmentationModel(config: config, seed: 1), cases: [study], options: options)
            let c = trainer.training[0]
            var counts: [UInt16: Int] = [:]
            let draws = 3600
            for _ in 0..<draws {
                let (structure, offset) = trainer.drawCentre(in: c)
                XCTAssertEqual(c.classes[offset], structure, "the crop is centred inside its structure")
                counts[structure ?? 0, default: 0] += 1
            }
            for (n, share) in expected.enumerated() {
                XCTAssertEqual(Double(counts[UInt16(n + 1)] ?? 0) / Double(draws), share, accuracy: 0.03, "\(kind) structure \(n + 1): \(counts)")
            }
        }
    }
}

final class DeepEditTrainingTests: XCTestCase {
    /// A study whose label holds values the folder's labels do not name trains those structures as background: a
    /// subset may be meant (a liver model from fully labeled abdomens), or a colleague's files number them otherwise,
    /// and then the model never finds them. DeepEdit and the automatic model say which values and studies, and
    /// which labels there are; DeepGrow, which grows whatever structure is clicked, learns every value.
    func testLabelValuesTheFolderDoesNotNameAreReportedForNamedLabelModels() throws {
        let cases = [TrainerTests.discs(seed: 1), TrainerTests.discs(seed: 2)]
        func trainer(_ kind: ModelKind, _ labels: [ModelLabel]) throws -> Trainer {
            let config = ModelConfig(kind: kind, features: [4, 4, 4, 4, 4, 4], labels: labels, spacingMM: [nil, nil, nil],
                                     patch: [32, 32, 16], intensity: .window(low: -0.5, high: 1.5), guidanceSigma: 2)
            return try Trainer(model: try SegmentationModel(config: config, seed: 1), cases: cases)
        }
        for kind in [ModelKind.deepedit, .auto] {
            XCTAssertEqual(try trainer(kind, [ModelLabel(value: 1, name: "disc")]).unnamedLabelsNotice,
                           "label values 2, 3 (in discs_001, discs_002) are not among the folder's labels (disc = 1) and train as background")
        }
        let named = [ModelLabel(value: 1, name: "a"), ModelLabel(value: 2, name: "b"), ModelLabel(value: 3, name: "c")]
        XCTAssertNil(try trainer(.deepedit, named).unnamedLabelsNotice)
        XCTAssertNil(try trainer(.deepgrow3d, []).unnamedLabelsNotice)
    }

    /// Interactive steps click inside structures with the label's own value (not its channel number), sometimes
    /// only one label of the two, and a few steps of training run end to end on two labels, validated both
    /// automatically and with a click in each label. Structures' intensities shift one step each.
    func testInteractiveStepsClickWithLabelValuesAndTrainingRuns() throws {
        let labels = [ModelLabel(value: 3, name: "a"), ModelLabel(value: 7, name: "b")]
        let config = ModelConfig(kind: .deepedit, features: [4, 4, 8, 8, 16, 4], labels: labels, spacingMM: [nil, nil, nil],
                                 patch: [48, 48, 16], intensity: .window(low: -0.5, high: 1.5), guidanceSigma: 2)
        var cases = (1...2).map { TrainerTests.discs(seed: UInt64($0)) }
        for n in cases.indices {
            cases[n].labels.voxels = cases[n].labels.voxels.map { [0: 0, 1: 3, 2: 7, 3: 0][$0]! }
        }
        var options = TrainingOptions()
        options.interactiveShare = 1
        options.epochs = 1
        options.stepsPerEpoch = 2
        let trainer = try Trainer(model: try SegmentationModel(config: config, seed: 2), cases: cases, options: options)
        // A training crop: the study padded to the patch.
        let c = trainer.training[0]
        let size = config.patch
        let crop = ChannelGrid(shape: c.shape, channels: [c.image, c.classes.map(Float.init)]).crop(origin: VoxelIndex(0, 0, -6), size: size).data
        let n = size.reduce(1, *)
        let classes = crop[n...].map { UInt16($0) }
        var clickedTogether: [Set<UInt16>] = []
        for _ in 0..<8 {
            let clicks = trainer.simulateClicks(image: Array(crop[..<n]), truth: classes, shape: size)
            clickedTogether.append(Set(clicks.byLabel.filter { !$0.value.isEmpty }.keys).subtracting([0]))
            for (value, channel) in [(UInt16(3), UInt16(1)), (7, 2)] {
                for v in clicks.byLabel[value] ?? [] {
                    XCTAssertEqual(classes[v.i + size[0] * (v.j + size[1] * v.k)], channel, "a click of \(value) is inside it")
                }
            }
        }
        XCTAssertEqual(clickedTogether.reduce(Set(), { $0.union($1) }), [3, 7], "clicks carry label values: \(clickedTogether)")
        XCTAssertFalse(clickedTogether.contains([]), "every interactive step clicks some label")
        XCTAssertTrue(clickedTogether.contains { $0.count == 1 }, "some steps leave a label without clicks, as an annotator does")
        // Shifted crops move each structure by one step of its own, and leave the background alone.
        let image = Array(crop[..<n])
        let shifted = trainer.shiftStructures(image, classes: classes)
        for channel in [UInt16(0), 1, 2] {
            let steps = image.indices.filter { classes[$0] == channel }.map { shifted[$0] - image[$0] }
            XCTAssertLessThan(steps.max()! - steps.min()!, 1e-5, "one step for class \(channel)")
            if channel == 0 { XCTAssertEqual(steps.max(), 0) } else { XCTAssertLessThanOrEqual(abs(steps[0]), 0.3 + 1e-5) }
        }
        var losses: [Float] = []
        let summary = try trainer.run(progress: { losses.append($0.loss) })
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        XCTAssertEqual(Set(summary.validation.keys), ["a", "b", "a clicked", "b clicked"], "automatic and one click per label")
    }
}

// The folder's own studies among many synthetic ones are drawn in their share of the steps.
extension TrainerTests {
    func testAFavouredStudyIsDrawnInItsShareOfTheSteps() throws {
        let config = ModelConfig(kind: .deepgrow2d, features: [4, 4, 8, 8, 16, 4], labels: [], spacingMM: [nil, nil, nil],
                                 patch: [32, 32, 1], intensity: .window(low: -0.5, high: 1.5), guidanceSigma: 2)
        var options = TrainingOptions()
        options.validationStudies = ["discs_010"]
        options.favoured = ["discs_001"]
        let cases = (1...10).map { TrainerTests.discs(seed: UInt64($0)) }
        let trainer = try Trainer(model: try SegmentationModel(config: config, seed: 1), cases: cases, options: options)
        let draws = (0..<2000).map { _ in trainer.drawStudy().id }
        // A fifth of the draws, plus its ninth of the rest: 0.29 (a ninth, 0.11, unfavoured).
        let share = Double(draws.filter { $0 == "discs_001" }.count) / Double(draws.count)
        XCTAssertEqual(share, 0.2 + 0.8 / 9, accuracy: 0.04)
        XCTAssertEqual(Set(draws).count, 9, "the others are drawn too; the validation study never")
    }
}
