// The simulated annotators: the robot clicks the deepest voxel of the largest error, positive where the
// structure is missed and negative where too much is labelled, the same one every run; training clicks fall inside
// errors.

import Engine
import Learning
import Randomness
import Volume
import XCTest

final class ClickSimulationTests: XCTestCase {
    let shape = [30, 30, 1]

    func square(_ i0: Int, _ i1: Int, _ j0: Int, _ j1: Int) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: 900)
        for j in j0..<j1 { for i in i0..<i1 { out[i + 30 * j] = 1 } }
        return out
    }

    func testTheRobotClicksTheCentreOfAMissedStructure() {
        var robot: SplitMix? = nil
        let click = ClickSimulation.nextClick(prediction: [UInt16](repeating: 0, count: 900), truth: square(5, 16, 10, 21),
                                              shape: shape, generator: &robot)
        XCTAssertEqual(click?.label, 1, "a missed structure gets a positive click")
        XCTAssertEqual(click?.voxel, VoxelIndex(10, 15, 0))
    }

    func testTheRobotPicksTheLargestErrorAndItsKind() {
        // Truth: a square; prediction: a small part of it plus a large false area elsewhere.
        let truth = square(2, 8, 2, 8)
        var prediction = square(2, 5, 2, 8)
        for (n, v) in square(12, 28, 12, 28).enumerated() where v == 1 { prediction[n] = 1 }
        var robot: SplitMix? = nil
        let click = ClickSimulation.nextClick(prediction: prediction, truth: truth, shape: shape, generator: &robot)!
        XCTAssertEqual(click.label, 0, "too much labelled: a negative click")
        XCTAssertTrue((12..<28).contains(click.voxel.i) && (12..<28).contains(click.voxel.j))
        XCTAssertTrue((18...21).contains(click.voxel.i), "near the centre of the false area, got \(click.voxel)")
    }

    func testOfTwoErrorsAsLargeTheRobotFixesTheSameOneEveryRun() {
        // A missed 6 × 6 part and a false 6 × 6 area: the same click in every process (the overdone one first),
        // so that an evaluation run can be run again. Iterating a set gave either, as the process's hash seed fell.
        let truth = square(2, 8, 2, 8)
        var prediction = [UInt16](repeating: 0, count: 900)
        for (n, v) in square(20, 26, 20, 26).enumerated() where v == 1 { prediction[n] = 1 }
        var robot: SplitMix? = nil
        let click = ClickSimulation.nextClick(prediction: prediction, truth: truth, shape: shape, generator: &robot)!
        XCTAssertEqual(click.label, 0)
        XCTAssertTrue((20..<26).contains(click.voxel.i) && (20..<26).contains(click.voxel.j), "\(click.voxel)")
    }

    func testNothingWrongMeansNoClick() {
        var robot: SplitMix? = nil
        XCTAssertNil(ClickSimulation.nextClick(prediction: square(3, 9, 3, 9), truth: square(3, 9, 3, 9), shape: shape, generator: &robot))
    }

    func testTrainingClicksFallInsideErrorsAndMostlyDeepInside() {
        let truth = square(4, 24, 4, 24)
        var generator: SplitMix? = SplitMix(seed: 7)
        var depths: [Float] = []
        let depth = ClickSimulation.distanceInside(truth.map { $0 == 1 }, shape: shape)
        for _ in 0..<200 {
            let click = ClickSimulation.nextClick(prediction: [UInt16](repeating: 0, count: 900), truth: truth, shape: shape,
                                                  generator: &generator)!
            XCTAssertEqual(truth[click.voxel.i + 30 * click.voxel.j], 1)
            depths.append(depth[click.voxel.i + 30 * click.voxel.j])
        }
        // ∝ exp(d) − 1 favours the middle: the mean depth is well above a uniform draw's (about 3.8 here).
        XCTAssertGreaterThan(depths.reduce(0, +) / Float(depths.count), 7)
        XCTAssertGreaterThan(Set(depths).count, 1, "still random")
    }

    func testChamferDistanceInsideASquare() {
        let d = ClickSimulation.distanceInside(square(0, 30, 10, 21).map { $0 == 1 }, shape: shape)
        XCTAssertEqual(d[15 + 30 * 15], 6, "6 rows from the edge rows outside (the grid edge does not count)")
        XCTAssertEqual(d[15 + 30 * 10], 1)
        XCTAssertEqual(d[15 + 30 * 5], 0)
    }
}
