// The random forest on the seeds: it learns a class that no single threshold separates, and as the graph cut's
// likelihood it tells a ball from a tube of the same intensity that touches it, which intensity alone cannot.

import Randomness
@testable import Segmenters
import Volume
import XCTest

final class ForestTests: XCTestCase {
    func testTheForestLearnsARing() {
        var random = SplitMix(seed: 7)
        func points(_ count: Int) -> (features: [Float], labels: [UInt8]) {
            var features: [Float] = [], labels: [UInt8] = []
            for _ in 0..<count {
                let x = random.uniform(-1, 1), y = random.uniform(-1, 1)
                let r = (x * x + y * y).squareRoot()
                features += [Float(x), Float(y)]
                labels.append(r > 0.4 && r < 0.7 ? 1 : 0)
            }
            return (features, labels)
        }
        let train = points(3000), test = points(2000)
        let forest = RandomForest(samples: train.features, featureCount: 2, labels: train.labels, classes: 2)
        let xs = stride(from: 0, to: test.features.count, by: 2).map { test.features[$0] }
        let ys = stride(from: 1, to: test.features.count, by: 2).map { test.features[$0] }
        let p = forest.probabilities([xs, ys])
        XCTAssertEqual(p.count, 2)
        let correct = (0..<test.labels.count).filter { (p[1][$0] > 0.5 ? 1 : 0) == test.labels[$0] }.count
        let accuracy = Double(correct) / Double(test.labels.count)
        XCTAssertGreaterThan(accuracy, 0.93, "accuracy \(accuracy)")
        for n in 0..<100 { XCTAssertEqual(p[0][n] + p[1][n], 1, accuracy: 1e-5) }
    }

    /// A dark ball and a dark tube touching it, in bright noise; seeds in the ball's core, on the tube's far end and
    /// through the bright surroundings.
    func testAsTheLikelihoodItKeepsATouchingTubeOfTheSameIntensityOut() throws {
        let shape = [56, 48, 32]
        var random = SplitMix(seed: 3)
        let grid = Grid(shape: shape, affine: .identity)
        var image = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        var truth = LabelVolume(grid: grid)
        var tube = LabelVolume(grid: grid)
        let (cx, cy, cz) = (34.0, 22.0, 16.0)
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            let (x, y, z) = (Double(i), Double(j), Double(k))
            let inBall = (x - cx) * (x - cx) + (y - cy) * (y - cy) + (z - cz) * (z - cz) < 49
            let inTube = (y - (cy + 8)) * (y - (cy + 8)) + (z - cz) * (z - cz) < 2.6 && x < 46
            truth[i, j, k] = inBall ? 1 : 0
            tube[i, j, k] = inTube && !inBall ? 1 : 0
            image[i, j, k] = (inBall || inTube ? 20 : 100) + Float(6 * random.gaussian())
        } } }
        var seeds = Seeds()
        for k in 14...18 { for j in 20...24 { for i in 32...36 { seeds.foreground[1, default: []].append(VoxelIndex(i, j, k)) } } }
        // Background: the tube's far end, and a stroke through the bright surroundings.
        for i in 2..<12 { seeds.background.append(VoxelIndex(i, Int(cy) + 8, Int(cz))) }
        for i in 10..<50 { seeds.background.append(VoxelIndex(i, 6, Int(cz))) }
        var options = GraphCutOptions()
        options.window = IntensityWindow(lower: -20, upper: 140)
        options.method = .forest
        // The forest alone: the seed densities (and their geodesic terms) would take part of the tube.
        options.forestWeight = 1
        let result = try GraphCutSegmenter.segment(image, seeds: seeds, options: options)
        let dice = result.labels.dice(with: truth, label: 1)
        var leaked = 0
        for n in 0..<grid.voxelCount where tube.voxels[n] == 1 && result.labels.voxels[n] == 1 { leaked += 1 }
        XCTAssertGreaterThan(dice, 0.95, "Dice \(dice)")
        // The tube's first few voxels next to the ball look like the ball at the 4 mm scale; the seed densities alone
        // take three quarters of the tube.
        XCTAssertLessThan(Double(leaked), 0.2 * Double(tube.count(of: 1)), "\(leaked) of the tube's \(tube.count(of: 1)) voxels taken")
        print(String(format: "forest: Dice %.3f, tube voxels taken %d of %d", dice, leaked, tube.count(of: 1)))
    }
}
