// The click models' answers keep their clicks: whatever the network says (here it has learnt nothing yet), every
// click stays where it was put (DeepGrow 2D's on its slice), other labels' and the background's clicks stay out, and
// the region said to have changed holds the answer. How much settling the 3D answers gains on real images is
// `termlabel eval clicks`'s to say.

import Engine
import Foundation
@testable import Learning
import Segmenters
import Volume
import XCTest

final class RefinementTests: XCTestCase {
    let study = TrainerTests.discs(seed: 7)

    func config(_ kind: ModelKind) -> ModelConfig {
        ModelConfig(kind: kind, features: [4, 4, 8, 8, 16, 4],
                    labels: kind.isDeepGrow ? [] : [ModelLabel(value: 1, name: "a"), ModelLabel(value: 2, name: "b")],
                    spacingMM: [nil, nil, nil], patch: [32, 32, 16], intensity: .window(low: -0.5, high: 1.5), guidanceSigma: 2)
    }

    func voxel(_ n: Int) -> VoxelIndex {
        let shape = study.image.grid.shape
        return VoxelIndex(n % shape[0], (n / shape[0]) % shape[1], n / (shape[0] * shape[1]))
    }

    /// The voxel of a disc nearest its centre, on slice 1.
    func centre(of label: UInt16) -> VoxelIndex {
        let inside = study.labels.voxels.indices.filter { study.labels.voxels[$0] == label }.map(voxel)
        let (i, j) = (inside.map(\.i).reduce(0, +) / inside.count, inside.map(\.j).reduce(0, +) / inside.count)
        return VoxelIndex(i, j, 1)
    }

    func testDeepEditsClicksStayWhereTheyWerePut() throws {
        let model = try SegmentationModel(config: config(.deepedit), seed: 3)
        let prepared = PreparedImage(study.image, config: model.config)
        let corner = VoxelIndex(1, 1, 1)
        let clicks = ClickSet([1: [centre(of: 1)], 2: [centre(of: 2)], 0: [corner]])
        let seeds = clicks.seeds(radiusMM: 2, grid: study.image.grid)
        XCTAssertEqual(seeds.labels, [1, 2])
        let raw = Inference.segment(model, prepared, clicks: clicks)
        let settled = try Inference.editSettled(model, prepared, image: study.image, clicks: clicks, seeds: seeds)
        XCTAssertTrue(seeds.all.contains { raw[$0] != settled[$0] }, "the network alone misses some of its clicks")
        for label in [UInt16(1), 2] {
            for v in seeds.foreground[label]! { XCTAssertEqual(settled[v], label, "a click for \(label) stays \(label)") }
        }
        for v in seeds.background { XCTAssertEqual(settled[v], 0, "the background click stays background") }
        XCTAssertEqual(settled.voxels.filter { $0 == 3 }.count, 0, "the third disc was not clicked and is no label the model has")
    }

    func testDeepGrow3DsAnswerHoldsItsClicksAndLiesInItsRegion() throws {
        let model = try SegmentationModel(config: config(.deepgrow3d), seed: 3)
        let prepared = PreparedImage(study.image, config: model.config)
        let (click, away) = (centre(of: 3), centre(of: 1))
        let seeds = Seeds(positive: [click], negative: [away], label: 3, radiusMM: 2, grid: study.image.grid)
        for likelihood in [SettlingLikelihood.model, .seeds] {
            let (mask, region) = try Inference.growSettled(model, prepared, image: study.image, foreground: [click], background: [away],
                                                           seeds: seeds, label: 3, likelihood: likelihood)
            for v in seeds.foreground[3]! { XCTAssertTrue(mask[study.image.grid.offset(v)], "the positive click is in (\(likelihood))") }
            for v in seeds.background { XCTAssertFalse(mask[study.image.grid.offset(v)], "the negative click is out (\(likelihood))") }
            for n in mask.indices where mask[n] {
                let v = voxel(n)
                XCTAssertTrue((0..<3).allSatisfy { region.lower[$0] <= v[$0] && v[$0] < region.upper[$0] }, "the region holds the answer")
            }
        }
    }

    func testANegativeClickBesideAPositiveOneStaysOutOfTheSettledAnswer() throws {
        // Two clicks 2 mm apart in one disc, their 2 mm balls overlapping: each click's own voxel is its own (the
        // overlap goes to the nearer click), so the answer holds the positive click and not the negative one.
        let model = try SegmentationModel(config: config(.deepgrow3d), seed: 3)
        let prepared = PreparedImage(study.image, config: model.config)
        let click = centre(of: 3), beside = VoxelIndex(centre(of: 3).i + 2, centre(of: 3).j, 1)
        let clicks = ClickSet.deepGrow(foreground: [click], background: [beside])
        let seeds = clicks.seeds(radiusMM: 2, grid: study.image.grid)
        for likelihood in [SettlingLikelihood.model, .seeds] {
            let (mask, _) = try Inference.growSettled(model, prepared, image: study.image, foreground: [click], background: [beside],
                                                      seeds: seeds, label: 1, likelihood: likelihood)
            XCTAssertTrue(mask[study.image.grid.offset(click)], "the positive click is in (\(likelihood))")
            XCTAssertFalse(mask[study.image.grid.offset(beside)], "the negative click is out (\(likelihood))")
        }
    }

    func testAGenericModelsPriorIsEvenOddsWhereItsNetworkDidNotLook() throws {
        // The network's probability over its whole grid is zero outside the crop it ran on; as a prior that would
        // say "not the structure" where it never looked.
        let grid = Grid(shape: [6, 5, 4], affine: .identity)
        let probability = (0..<120).map { Float($0 % 7) / 10 }
        func box(_ lower: VoxelIndex, _ size: [Int]) -> VoxelBox {
            VoxelBox(lower: lower, upper: VoxelIndex(lower.i + size[0], lower.j + size[1], lower.k + size[2]))
        }
        let seen = grid.keeping(probability, inside: box(VoxelIndex(1, 2, 1), [3, 2, 2]), elsewhere: 0.5)
        for k in 0..<4 { for j in 0..<5 { for i in 0..<6 {
            let n = i + 6 * (j + 5 * k)
            let inside = (1..<4).contains(i) && (2..<4).contains(j) && (1..<3).contains(k)
            XCTAssertEqual(seen[n], inside ? probability[n] : 0.5, "(\(i), \(j), \(k))")
        } } }
        // A crop reaching past the grid's edge keeps what lies inside the grid.
        XCTAssertEqual(grid.keeping(probability, inside: box(VoxelIndex(4, -1, 0), [4, 2, 4]), elsewhere: 0.5)[5],
                       probability[5])
        XCTAssertEqual(grid.keeping(probability, inside: box(VoxelIndex(-9, 0, 0), [3, 5, 4]), elsewhere: 0.5),
                       [Float](repeating: 0.5, count: 120), "a crop wholly outside the grid leaves nothing")
    }

    func testDeepGrow2DsAnswerHoldsItsClicksOnItsSliceAndStaysThere() throws {
        let model = try SegmentationModel(config: config2D(), seed: 1)
        let prepared = PreparedImage(study.image, config: model.config)
        let (click, away) = (centre(of: 3), centre(of: 1))
        let clicks = ClickSet([3: [click], 0: [away]])
        let seeds = clicks.seeds(radiusMM: 2, grid: study.image.grid)
        let raw = try Inference.answer(model, prepared, image: study.image, clicks: clicks, label: 3, settlingWith: nil, likelihood: .model).labels
        let onSlice = { (v: VoxelIndex) in v.k == click.k }
        // Settled on the slice with either likelihood: a folder-trained model's (its probability) and the generic one's.
        for likelihood in [SettlingLikelihood.model, .seeds] {
            let answer = try Inference.answer(model, prepared, image: study.image, clicks: clicks, label: 3, settlingWith: seeds,
                                              likelihood: likelihood)
            XCTAssertTrue(seeds.all.filter(onSlice).contains { raw[$0] != answer.labels[$0] }, "the network alone misses some of its clicks")
            for v in seeds.foreground[3]! where onSlice(v) { XCTAssertEqual(answer.labels[v], 3, "the positive click is in (\(likelihood))") }
            for v in seeds.background where onSlice(v) { XCTAssertEqual(answer.labels[v], 0, "the negative click is out (\(likelihood))") }
            let answered = answer.labels.voxels.indices.filter { answer.labels.voxels[$0] == 3 }.map(voxel)
            XCTAssertFalse(answered.isEmpty)
            XCTAssertTrue(answered.allSatisfy(onSlice), "a 2D answer stays on the clicked slice, where its seeds' balls reach further (\(likelihood))")
            XCTAssertEqual(answer.region.map { [$0.lower.k, $0.upper.k] }, [click.k, click.k + 1])
        }
    }

    func testTheGenericDeepGrow2DsAnswerIsTheClickedDiscOnItsSliceWhateverItsNetworkSays() throws {
        // An untrained network says little of the disc; settled on the slice with the click's own likelihood, the
        // answer is the clicked disc there, not the other discs of the same intensity.
        let model = try SegmentationModel(config: config2D(), seed: 1)
        let prepared = PreparedImage(study.image, config: model.config)
        let click = centre(of: 3)
        let clicks = ClickSet([3: [click]])
        let seeds = clicks.seeds(radiusMM: 2, grid: study.image.grid)
        func dice(_ labels: LabelVolume) -> Double {
            let slice = study.image.grid.offset(0, 0, click.k)..<study.image.grid.offset(0, 0, click.k + 1)
            let truth = slice.filter { study.labels.voxels[$0] == 3 }, found = slice.filter { labels.voxels[$0] == 3 }
            return 2 * Double(Set(truth).intersection(found).count) / Double(truth.count + found.count)
        }
        let raw = try Inference.answer(model, prepared, image: study.image, clicks: clicks, label: 3, settlingWith: nil, likelihood: .model)
        let settled = try Inference.answer(model, prepared, image: study.image, clicks: clicks, label: 3, settlingWith: seeds, likelihood: .seeds)
        XCTAssertLessThan(dice(raw.labels), 0.5, "the untrained network alone")
        XCTAssertGreaterThan(dice(settled.labels), 0.9, "settled on its slice")
    }

    func testADeepGrow2DAnswerSpeaksWhereItsNetworkLookedThoughItsCutWasSmaller() throws {
        // A small disc in a wide slice: the settling cut looks 30 mm around the click, the network at a 96-voxel
        // crop. The answer speaks for the crop too, so that a larger earlier answer there is replaced, not left.
        let grid = Grid(shape: [160, 160, 3], affine: .identity)
        var image = Volume(grid: grid, voxels: Tensor.randomNormal([grid.voxelCount], std: 0.1, seed: 5).data)
        for k in 0..<3 { for j in 0..<160 { for i in 0..<160 where hypot(Double(i - 80), Double(j - 80)) <= 5 {
            image.voxels[grid.offset(i, j, k)] += 1
        } } }
        var config = config2D()
        config.patch = [96, 96, 1]
        // This untrained network calls no voxel the structure, so the cut's region is the click's 30 mm alone.
        let model = try SegmentationModel(config: config, seed: 8)
        let prepared = PreparedImage(image, config: model.config)
        let clicks = ClickSet([1: [VoxelIndex(80, 80, 1)]])
        XCTAssertLessThan(Inference.grow(model, image: prepared.image, shape: prepared.shape, clicks: clicks).probability.max()!, 0.5)
        let looked = try XCTUnwrap(Inference.answer(model, prepared, image: image, clicks: clicks, label: 1, settlingWith: nil,
                                                    likelihood: .seeds).region)
        for likelihood in [SettlingLikelihood.model, .seeds] {
            let settled = try Inference.answer(model, prepared, image: image, clicks: clicks, label: 1,
                                               settlingWith: clicks.seeds(radiusMM: 2, grid: grid), likelihood: likelihood)
            let region = try XCTUnwrap(settled.region)
            XCTAssertEqual(region.union(looked), region, "the answer's region holds the network's crop (\(likelihood))")
            XCTAssertEqual([region.lower.k, region.upper.k], [1, 2])
        }
    }

    func config2D() -> ModelConfig {
        var config = config(.deepgrow2d)
        config.patch = [32, 32, 1]
        return config
    }
}
