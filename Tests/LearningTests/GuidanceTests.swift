// Clicks become guidance maps that peak at 1 on the clicked voxel and fade with distance; no click leaves a
// channel at zero.

import Learning
import Volume
import XCTest

final class GuidanceTests: XCTestCase {
    func testAClickPeaksAtOneAndFadesWithDistance() {
        let shape = [21, 21, 11]
        let map = Guidance.map([VoxelIndex(10, 10, 5)], shape: shape, sigma: 2)
        func at(_ i: Int, _ j: Int, _ k: Int) -> Float { map[i + shape[0] * (j + shape[1] * k)] }
        XCTAssertEqual(at(10, 10, 5), 1, accuracy: 1e-6)
        XCTAssertEqual(at(12, 10, 5), Float(exp(-4.0 / 8)), accuracy: 1e-3, "Gaussian profile, σ = 2 voxels")
        XCTAssertLessThan(at(16, 10, 5), 0.02)
        XCTAssertEqual(map.max()!, 1)
        XCTAssertEqual(Guidance.map([], shape: shape, sigma: 2).max()!, 0, "no clicks: a zero channel")
    }

    func testA2DMapIsNotSmoothedAcrossItsSingleSlice() {
        let map = Guidance.map([VoxelIndex(4, 4, 0)], shape: [9, 9, 1], sigma: 3)
        XCTAssertEqual(map[4 + 9 * 4], 1, accuracy: 1e-6)
        XCTAssertGreaterThan(map[5 + 9 * 4], 0.9)
    }

    /// Several clicks, some on the border, some twice, equal the impulses smoothed over the whole grid.
    func testClicksAddUpAsSmoothingTheirImpulsesWould() {
        let shape = [17, 12, 9]
        let clicks = [VoxelIndex(0, 5, 4), VoxelIndex(3, 6, 4), VoxelIndex(16, 11, 8), VoxelIndex(3, 6, 4), VoxelIndex(8, 0, 1)]
        var impulses = [Float](repeating: 0, count: shape.reduce(1, *))
        for c in clicks { impulses[c.i + shape[0] * (c.j + shape[1] * c.k)] = 1 }
        let smoothed = GaussianSmoothing.apply(impulses, shape: shape, sigma: [2.5, 2.5, 2.5])
        let peak = smoothed.max()!
        let map = Guidance.map(clicks, shape: shape, sigma: 2.5)
        for n in map.indices { XCTAssertEqual(map[n], smoothed[n] / peak, accuracy: 1e-6) }
    }

    func testClicksOutsideTheGridAreIgnored() {
        let map = Guidance.map([VoxelIndex(-1, 3, 3), VoxelIndex(3, 3, 30)], shape: [8, 8, 8], sigma: 2)
        XCTAssertEqual(map.max()!, 0)
    }

    /// Tissue of 0.2 on both sides of a wall of 0.35: from a click on the left, the right side is reached only over
    /// the wall, a step of 0.15, half the range of 0.3; the left side needs no step at all.
    func testConnectivityIsTheLeastStepAPathFromTheClickMustCross() {
        let shape = [24, 8, 8]
        let image = (0..<shape.reduce(1, *)).map { n -> Float in (8..<16).contains(n % shape[0]) ? 0.35 : 0.2 }
        func column(_ map: [Float], _ i: Int) -> [Float] { stride(from: i, to: map.count, by: shape[0]).map { map[$0] } }
        let fromLeft = Guidance.connectivity(image, to: [VoxelIndex(2, 4, 4)], shape: shape)
        for i in [0, 4] { for v in column(fromLeft, i) { XCTAssertEqual(v, 1, accuracy: 1e-6) } }
        for i in [11, 12, 19, 23] { for v in column(fromLeft, i) { XCTAssertEqual(v, 0.5, accuracy: 1.0 / 64) } }
        // A second click on the wall: its tissue is clicked tissue too. The far side is then only a smoothed edge
        // away, whose voxels lie between the two clicked tissues: at most 0.075 from one of them, a quarter of the range.
        let both = Guidance.connectivity(image, to: [VoxelIndex(2, 4, 4), VoxelIndex(12, 0, 7)], shape: shape)
        for i in [0, 4, 11, 12] { for v in column(both, i) { XCTAssertEqual(v, 1, accuracy: 1e-6) } }
        for v in column(both, 23) { XCTAssertGreaterThanOrEqual(v, 0.75); XCTAssertLessThan(v, 1) }
        XCTAssertEqual(Guidance.connectivity(image, to: [VoxelIndex(40, 2, 2)], shape: shape).max()!, 0, "no click on the grid: zeros")
    }

    func testClicksGoToTheirChannelsInOrder() {
        let clicks = [Click(VoxelIndex(4, 4, 2), label: 2, positive: true), Click(VoxelIndex(5, 4, 2), label: 2, positive: true),
                      Click(VoxelIndex(9, 9, 1), label: 2, positive: false), Click(VoxelIndex(1, 1, 1), label: 1, positive: true)]
        let set = ClickSet(clicks)
        XCTAssertEqual(set.byLabel[2], [VoxelIndex(4, 4, 2), VoxelIndex(5, 4, 2)], "two clicks one voxel apart stay two")
        XCTAssertEqual(set.byLabel[1], [VoxelIndex(1, 1, 1)])
        XCTAssertEqual(set.background, [VoxelIndex(9, 9, 1)], "a negative click is background whatever its label")
    }
}
