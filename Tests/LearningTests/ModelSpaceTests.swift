// Clicks, images and labels pass between an image's own grid and the model's RAS grid through world
// coordinates: a click on a structure in an LPS file lands on the same structure on the model grid, and labels
// come back where they were.

import Learning
import Volume
import XCTest

final class ModelSpaceTests: XCTestCase {
    /// A 40×30×20 image, 2×2×3 mm, in LPS order (i runs to the left, j to the back), with a bright box.
    static func lpsImage() -> (Volume, LabelVolume) {
        let affine = Affine(rows: [[-2, 0, 0, 40], [0, -2, 0, 30], [0, 0, 3, -10], [0, 0, 0, 1]])
        let grid = Grid(shape: [40, 30, 20], affine: affine)
        var image = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        var labels = LabelVolume(grid: grid)
        for k in 5..<12 { for j in 3..<10 { for i in 25..<36 {
            image.voxels[grid.offset(i, j, k)] = 100
            labels.voxels[grid.offset(i, j, k)] = 4
        } } }
        return (image, labels)
    }

    func testAClickInAnLPSImageLandsOnTheSameStructureOnTheModelGrid() {
        let (image, _) = ModelSpaceTests.lpsImage()
        let space = ModelSpace(image: image.grid, spacingMM: [1.5, 1.5, 1.5])
        XCTAssertEqual(space.grid.orientation.axcodes, "RAS")
        let model = space.image(image, normalisation: .window(low: 0, high: 100))
        for click in [VoxelIndex(26, 4, 6), VoxelIndex(34, 8, 10), VoxelIndex(30, 6, 8)] {
            let v = space.modelVoxel(click)
            XCTAssertEqual(model[space.grid.offset(v)], 1, accuracy: 0.05, "\(click) → \(v) is inside the box")
            // The same world point, within half a model voxel.
            let a = image.grid.world(click), b = space.grid.world(v)
            XCTAssertLessThanOrEqual(abs(a.x - b.x), 0.76)
            XCTAssertLessThanOrEqual(abs(a.y - b.y), 0.76)
            XCTAssertLessThanOrEqual(abs(a.z - b.z), 0.76)
        }
        // Outside the box stays dark: the mirror image of a click (the mistake of an axis read backwards) is not bright.
        let mirrored = space.modelVoxel(VoxelIndex(39 - 30, 29 - 6, 8))
        XCTAssertEqual(model[space.grid.offset(mirrored)], 0, accuracy: 0.05)
    }

    func testLabelsGoToTheModelGridAndComeBackInPlace() {
        let (image, labels) = ModelSpaceTests.lpsImage()
        let space = ModelSpace(image: image.grid, spacingMM: [1, 1, 1.5])
        let onModel = space.labels(labels)
        // As probabilities (one-hot, two classes) and back to the image grid.
        let n = space.grid.voxelCount
        var p = [Float](repeating: 0, count: 2 * n)
        for v in 0..<n { p[(onModel[v] == 4 ? 1 : 0) * n + v] = 1 }
        let back = space.labelMap(probabilities: p, classes: 2, values: [0, 4])
        XCTAssertEqual(back.grid, image.grid)
        XCTAssertGreaterThan(back.dice(with: labels, label: 4), 0.97)
        let mask = space.mask(probability: Array(p[n...]))
        XCTAssertEqual(mask.filter { $0 }.count, labels.count(of: 4), accuracy: labels.count(of: 4) / 20)
    }

    func testPercentileNormalisationMapsTheImageOntoZeroToOne() {
        var (image, _) = ModelSpaceTests.lpsImage()
        for n in image.voxels.indices { image.voxels[n] += Float(n % 7) * 10 }
        let space = ModelSpace(image: image.grid, spacingMM: [nil, nil, nil])
        XCTAssertEqual(space.grid.shape, [40, 30, 20], "nil spacing keeps the image's voxels")
        let values = space.image(image, normalisation: .percentiles(low: 1, high: 99))
        XCTAssertEqual(values.min()!, 0)
        XCTAssertEqual(values.max()!, 1)
    }
}

final class PostProcessingTests: XCTestCase {
    func testOnlyTheLargestPieceOfEachLabelStays() {
        var labels = LabelVolume(grid: Grid(shape: [10, 10, 1], affine: .identity))
        for i in 0..<5 { for j in 0..<5 { labels[VoxelIndex(i, j, 0)] = 1 } }   // 25 voxels
        labels[VoxelIndex(8, 8, 0)] = 1                                            // an island
        labels[VoxelIndex(8, 1, 0)] = 2                                            // a label in one piece
        let kept = Inference.largestComponents(labels)
        XCTAssertEqual(kept.count(of: 1), 25)
        XCTAssertEqual(kept[VoxelIndex(8, 8, 0)], 0)
        XCTAssertEqual(kept.count(of: 2), 1)
    }
}
