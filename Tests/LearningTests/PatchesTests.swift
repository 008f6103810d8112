// Sliding windows cover every voxel, and a crop pasted back with its weights gives the grid back.

import Learning
import Volume
import XCTest

final class PatchesTests: XCTestCase {
    func testWindowsCoverTheAxisAndOverlap() {
        for (length, patch) in [(95, 64), (200, 96), (64, 64), (40, 64), (129, 32)] {
            let starts = Patches.starts(length: length, patch: patch, overlap: 0.25)
            XCTAssertEqual(starts.first, length > patch ? 0 : (length - patch) / 2)
            if length > patch {
                XCTAssertEqual(starts.last! + patch, length, "the last window ends at the edge")
                for (a, b) in zip(starts, starts.dropFirst()) { XCTAssertLessThanOrEqual(b - a, patch * 3 / 4) }
            }
        }
    }

    func testACropReadsTheGridAndPadsOutside() {
        let shape = [5, 4, 3]
        let values = (0..<60).map(Float.init)
        let grid = ChannelGrid(shape: shape, channels: [values])
        let crop = grid.crop(origin: VoxelIndex(3, -1, 1), size: [4, 2, 1], fill: [-1])
        XCTAssertEqual(crop.shape, [1, 1, 1, 2, 4])
        // Row j = -1 is outside; row j = 0 holds voxels (3, 0, 1) and (4, 0, 1), then outside.
        XCTAssertEqual(crop.data, [-1, -1, -1, -1, 23, 24, -1, -1])
    }

    func testABoxAroundAPointStaysInsideTheGrid() {
        XCTAssertEqual(Patches.box(around: VoxelIndex(2, 50, 30), size: [16, 16, 16], shape: [100, 60, 20]), VoxelIndex(0, 42, 4))
    }
}
