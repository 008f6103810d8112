// The scribble segmenter on images whose answer is known.

import Randomness
import Segmenters
import Volume
import VolumeTesting
import XCTest

final class GraphCutSegmenterTests: XCTestCase {
    /// A bright ball in a dark, noisy box.
    func ball(shape: [Int] = [40, 40, 30], radius: Double = 9, seed: UInt64 = 1) -> (Volume, LabelVolume) {
        var random = SplitMix(seed: seed)
        let grid = Grid(shape: shape, affine: .identity)
        var image = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        var truth = LabelVolume(grid: grid)
        let c = shape.map { Double($0) / 2 }
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let r = ((Double(i) - c[0]) * (Double(i) - c[0]) + (Double(j) - c[1]) * (Double(j) - c[1]) + (Double(k) - c[2]) * (Double(k) - c[2])).squareRoot()
            let inside = r < radius
            truth[i, j, k] = inside ? 1 : 0
            image[i, j, k] = (inside ? 100 : 20) + Float(15 * random.gaussian())
        } } }
        return (image, truth)
    }

    func testScribblesInsideAndOutsideABallFindTheBall() throws {
        let (image, truth) = ball()
        let scribbles = ScribbleSimulator.scribbles(for: truth, labels: [1], backgroundValue: 2)
        let seeds = Seeds(scribbles: scribbles, backgroundValue: 2)
        XCTAssertFalse(seeds.foreground[1]!.isEmpty)
        XCTAssertFalse(seeds.background.isEmpty)
        var options = GraphCutOptions()
        options.window = IntensityWindow(lower: -50, upper: 170)
        let result = try GraphCutSegmenter.segment(image, seeds: seeds, options: options)
        let dice = result.labels.dice(with: truth, label: 1)
        XCTAssertGreaterThan(dice, 0.95, "Dice \(dice), \(result.labels.count(of: 1)) voxels for \(truth.count(of: 1))")
        XCTAssertEqual(result.timings.map(\.stage), ["features", "likelihood", "graph cut", "post-processing", "output"])
    }

    func testClicksAloneFindTheBall() throws {
        let (image, truth) = ball()
        // One positive click in the middle; the region's border is the background.
        let seeds = Seeds(positive: [VoxelIndex(20, 20, 15)], negative: [], radiusMM: 3, grid: image.grid)
        var options = GraphCutOptions()
        options.window = IntensityWindow(lower: -50, upper: 170)
        options.roiMarginMM = 14
        for connectivity in [GridGraph.Connectivity.six, .twentySix] {
            options.connectivity = connectivity
            let dice = try GraphCutSegmenter.segment(image, seeds: seeds, options: options).labels.dice(with: truth, label: 1)
            XCTAssertGreaterThan(dice, 0.9, "\(connectivity)")
        }
    }

    func testSeveralLabelsAtOnce() throws {
        // Two balls of different brightness side by side.
        let shape = [60, 36, 30]
        var random = SplitMix(seed: 4)
        let grid = Grid(shape: shape, affine: .identity)
        var image = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        var truth = LabelVolume(grid: grid)
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            func r(_ cx: Double) -> Double { ((Double(i) - cx) * (Double(i) - cx) + (Double(j) - 18) * (Double(j) - 18) + (Double(k) - 15) * (Double(k) - 15)).squareRoot() }
            let label: UInt16 = r(16) < 9 ? 1 : (r(44) < 9 ? 2 : 0)
            truth[i, j, k] = label
            image[i, j, k] = [20, 100, 160][Int(label)] + Float(12 * random.gaussian())
        } } }
        let scribbles = ScribbleSimulator.scribbles(for: truth, labels: [1, 2], backgroundValue: 3)
        var options = GraphCutOptions()
        options.window = IntensityWindow(lower: -50, upper: 220)
        for method in IntensityModel.Kind.allCases {
            options.method = method
            let result = try GraphCutSegmenter.segment(image, seeds: Seeds(scribbles: scribbles, backgroundValue: 3), options: options)
            XCTAssertGreaterThan(result.labels.dice(with: truth, label: 1), 0.93, "\(method)")
            XCTAssertGreaterThan(result.labels.dice(with: truth, label: 2), 0.93, "\(method)")
        }
    }

    func testRefiningANoisyProbabilityMap() throws {
        let (image, truth) = ball()
        var random = SplitMix(seed: 9)
        // A model that is right on average but noisy voxel by voxel.
        let probabilities = truth.voxels.map { v -> Float in
            Float(min(0.98, max(0.02, (v == 1 ? 0.7 : 0.3) + 0.35 * random.gaussian())))
        }
        let raw = zip(probabilities, truth.voxels).filter { ($0 > 0.5) != ($1 == 1) }.count
        var options = GraphCutOptions()
        options.window = IntensityWindow(lower: -50, upper: 170)
        let result = try GraphCutSegmenter.refine(image, probabilities: probabilities, label: 1, seeds: Seeds(), options: options)
        let wrong = zip(result.labels.voxels, truth.voxels).filter { $0 != $1 }.count
        XCTAssertLessThan(wrong * 10, raw, "refinement removes most of the model's errors (\(raw) → \(wrong))")
        XCTAssertGreaterThan(result.labels.dice(with: truth, label: 1), 0.95)
        XCTAssertThrowsError(try GraphCutSegmenter.refine(image, probabilities: [0.5], label: 1, seeds: Seeds()))
    }

    func testRefiningAModelThatFoundOnlyTheCoreOfAStructure() throws {
        // A structure, and a neighbour that touches it with the same tissue; the model is sure of the structure's
        // core only (0.9), unsure of the rest of it (0.3), and sure that the neighbour is not it.
        let shape = [56, 40, 36]
        var random = SplitMix(seed: 5)
        let grid = Grid(shape: shape, affine: .identity)
        var image = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        var truth = LabelVolume(grid: grid), neighbour = LabelVolume(grid: grid)
        var probabilities = [Float](repeating: 0.05, count: grid.voxelCount)
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            func r(_ cx: Double) -> Double { ((Double(i) - cx) * (Double(i) - cx) + (Double(j) - 20) * (Double(j) - 20) + (Double(k) - 18) * (Double(k) - 18)).squareRoot() }
            let n = grid.offset(i, j, k)
            if r(20) < 11 {
                truth[i, j, k] = 1
                probabilities[n] = r(20) < 5.5 ? 0.9 : 0.3
            } else if r(38) < 9 {
                neighbour[i, j, k] = 1
                probabilities[n] = 1e-4
            }
            image[i, j, k] = (r(20) < 11 || r(38) < 9 ? 100 : 20) + Float(15 * random.gaussian())
        } } }
        var options = GraphCutOptions()
        options.window = IntensityWindow(lower: -50, upper: 170)
        let settled = try GraphCutSegmenter.refine(image, probabilities: probabilities, label: 1, seeds: Seeds(), options: options).labels
        XCTAssertGreaterThan(settled.dice(with: truth, label: 1), 0.93, "the structure's tissue brings in the rest of it")
        let leaked = zip(settled.voxels, neighbour.voxels).filter { $0 == 1 && $1 == 1 }.count
        XCTAssertLessThan(leaked, neighbour.voxels.filter { $0 == 1 }.count / 100, "where the model is sure, the tissue does not overrule it")
        options.modelIntensityWeight = 0
        let modelAlone = try GraphCutSegmenter.refine(image, probabilities: probabilities, label: 1, seeds: Seeds(), options: options).labels
        XCTAssertLessThan(modelAlone.dice(with: truth, label: 1), 0.5, "the model alone keeps only the core")
    }

    func testDownsampledCutStaysClose() throws {
        let (image, truth) = ball(shape: [48, 48, 32], radius: 11)
        let scribbles = ScribbleSimulator.scribbles(for: truth, labels: [1], backgroundValue: 2)
        var options = GraphCutOptions()
        options.window = IntensityWindow(lower: -50, upper: 170)
        options.downsample = [2, 2, 1]
        let result = try GraphCutSegmenter.segment(image, seeds: Seeds(scribbles: scribbles, backgroundValue: 2), options: options)
        XCTAssertEqual(result.labels.shape, image.shape)
        XCTAssertGreaterThan(result.labels.dice(with: truth, label: 1), 0.9)
    }

    func testNoSeedsIsAnError() {
        let (image, _) = ball(shape: [8, 8, 8], radius: 2)
        XCTAssertThrowsError(try GraphCutSegmenter.segment(image, seeds: Seeds())) { error in
            XCTAssertEqual(error as? SegmentationError, .noSeeds)
        }
    }
}

final class SegmenterPartsTests: XCTestCase {
    func testSeedsFromScribblesAndClicks() {
        let grid = Grid(shape: [10, 10, 10], affine: .scaling(1, 1, 2))
        var scribbles = LabelVolume(grid: grid)
        scribbles[1, 1, 1] = 1
        scribbles[2, 2, 2] = 3
        scribbles[3, 3, 3] = 9
        let seeds = Seeds(scribbles: scribbles, backgroundValue: 9)
        XCTAssertEqual(seeds.labels, [1, 3])
        XCTAssertEqual(seeds.background, [VoxelIndex(3, 3, 3)])
        // A click is a ball in millimetres: radius 2 mm reaches 2 voxels in-plane, 1 along the 2 mm axis.
        let clicks = Seeds(positive: [VoxelIndex(5, 5, 5)], negative: [VoxelIndex(0, 0, 0)], radiusMM: 2, grid: grid)
        let ball = Set(clicks.foreground[1]!)
        XCTAssertTrue(ball.contains(VoxelIndex(7, 5, 5)) && ball.contains(VoxelIndex(5, 5, 6)))
        XCTAssertFalse(ball.contains(VoxelIndex(5, 5, 7)) || ball.contains(VoxelIndex(8, 5, 5)))
        XCTAssertTrue(clicks.background.allSatisfy { grid.contains($0) })
        let box = clicks.boundingBox(marginMM: 2, grid: grid)
        XCTAssertEqual(box.lower, VoxelIndex(0, 0, 0))
        XCTAssertEqual(box.upper, VoxelIndex(10, 10, 8))
    }

    /// A float image may hold NaN and infinite voxels (the mutated-file check found one that trapped the click).
    func testNaNAndInfiniteVoxelsDoNotStopAClick() throws {
        let grid = Grid(shape: [24, 24, 8], affine: .identity)
        var voxels = [Float](repeating: 0, count: grid.voxelCount)
        for k in 2..<6 { for j in 6..<18 { for i in 6..<18 { voxels[grid.offset(i, j, k)] = 100 } } }
        for n in stride(from: 0, to: voxels.count, by: 37) { voxels[n] = n % 2 == 0 ? .nan : .infinity }
        let seeds = Seeds(positive: [VoxelIndex(12, 12, 4)], negative: [], radiusMM: 2, grid: grid)
        let result = try GraphCutSegmenter.segment(Volume(grid: grid, voxels: voxels), seeds: seeds)
        XCTAssertGreaterThan(result.labels.count(of: 1), 100, "the cube is found around its click")
    }

    func testModalityAndWindow() {
        let grid = Grid(shape: [20, 20, 5], affine: .identity)
        let ct = Volume(grid: grid, voxels: (0..<grid.voxelCount).map { $0 % 3 == 0 ? -1000 : 40 })
        XCTAssertEqual(Modality.guess(ct), .ct)
        XCTAssertEqual(IntensityWindow.automatic(for: ct), .ctAbdomen)
        let mri = Volume(grid: grid, voxels: (0..<grid.voxelCount).map { Float($0 % 1000) })
        XCTAssertEqual(Modality.guess(mri), .other)
        let window = IntensityWindow.automatic(for: mri)
        XCTAssertEqual(window.lower, 5, accuracy: 1)
        XCTAssertEqual(window.upper, 994, accuracy: 1)
        XCTAssertEqual(IntensityWindow(width: 400, level: 40), IntensityWindow(lower: -160, upper: 240))
    }

    func testLikelihoodModels() {
        let values: [Float] = (0..<2000).map { (n: Int) -> Float in
            let wiggle = Float(n % 7) * 0.005
            return n % 2 == 0 ? 0.2 + wiggle : 0.7 + wiggle * 5 / 7
        }
        let features = Features(intensities: values, shape: [2000, 1, 1], localMean: false)
        // A class with no samples is uniform: the other alone decides.
        let empty = IntensityModel.fit(.histogram, features: features, samples: [])
        XCTAssertEqual(empty.density(features, 0), empty.density(features, 1), accuracy: 1e-6)
        let low = IntensityModel.fit(.histogram, features: features, samples: Array(stride(from: 0, to: 2000, by: 2)))
        XCTAssertGreaterThan(low.density(features, 0), 5 * low.density(features, 1))
        // EM finds the two modes.
        let mixture = GaussianMixture(fitting: values.map { [$0] }, components: 2)
        let means = mixture.means.map { $0[0] }.sorted()
        XCTAssertEqual(means[0], 0.215, accuracy: 0.01)
        XCTAssertEqual(means[1], 0.71, accuracy: 0.01)
        XCTAssertEqual(mixture.weights.reduce(0, +), 1, accuracy: 1e-4)
        // Tight clusters far apart: densities underflow between them, and nothing may turn into NaN.
        let spread = GaussianMixture(fitting: (0..<300).map { [$0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 0.5 : 1)] }, components: 3)
        XCTAssertTrue((spread.weights + spread.means.flatMap { $0 } + spread.variances.flatMap { $0 }).allSatisfy(\.isFinite))
        for (found, expected) in zip(spread.means.map { $0[0] }.sorted(), [Float(0), 0.5, 1]) { XCTAssertEqual(found, expected, accuracy: 1e-3) }
    }
}
