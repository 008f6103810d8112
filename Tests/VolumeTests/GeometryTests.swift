// Orientation, reorientation, slicing, resampling and cropping keep every voxel where it is in the world.

import Foundation
import Volume
import XCTest

final class GeometryTests: XCTestCase {
    let lps = Affine(rows: [[-0.8, 0, 0, 100], [0, -0.8, 0, 50], [0, 0, 2.5, -20], [0, 0, 0, 1]])
    let psr = Affine(rows: [[0, 0, 1.5, 0], [-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]])

    func testAxcodesFromAffines() {
        XCTAssertEqual(Orientation(affine: .identity).axcodes, "RAS")
        XCTAssertEqual(Orientation(affine: lps).axcodes, "LPS")
        XCTAssertEqual(Orientation(affine: psr).axcodes, "PSR")
        XCTAssertEqual(Orientation(codes: "LPS"), Orientation(affine: lps))
        XCTAssertNil(Orientation(codes: "RRS"))
        // A 30° oblique rotation about z still reads as RAS.
        let c = cos(Double.pi / 6), s = sin(Double.pi / 6)
        XCTAssertEqual(Orientation(affine: Affine(rows: [[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).axcodes, "RAS")
    }

    func testReorientationKeepsEveryVoxelInPlace() {
        for affine in [lps, psr, Affine.identity] {
            let volume = indexVolume(shape: [5, 4, 3], affine: affine)
            let canonical = volume.reoriented()
            XCTAssertEqual(canonical.grid.orientation.axcodes, "RAS")
            XCTAssertEqual(canonical.voxels.count, volume.voxels.count)
            for k in 0..<canonical.shape[2] { for j in 0..<canonical.shape[1] { for i in 0..<canonical.shape[0] {
                let world = canonical.grid.world(VoxelIndex(i, j, k))
                let old = volume.grid.voxel(world)!
                XCTAssertEqual(canonical[i, j, k], volume[old])
            } } }
            let back = canonical.reoriented(to: volume.grid.orientation)
            XCTAssertEqual(back.voxels, volume.voxels)
            XCTAssertTrue(back.affine.isApproximatelyEqual(to: affine))
        }
    }

    func testAxialSliceIsRadiological() {
        // In RAS, voxel i grows toward the patient's right... wait: toward R. Screen left must be the patient's
        // right, i.e. the largest i; screen top must be anterior, i.e. the largest j.
        let ras = indexVolume(shape: [5, 4, 3], affine: .identity)
        let slice = ras.slice(.axial, at: 2)
        XCTAssertEqual(slice.width, 5)
        XCTAssertEqual(slice.height, 4)
        XCTAssertEqual(slice[0, 0], ras[4, 3, 2])
        XCTAssertEqual(slice[4, 3], ras[0, 0, 2])
        // In LPS the same anatomy sits at the opposite indices.
        let lpsVolume = indexVolume(shape: [5, 4, 3], affine: lps)
        let lpsSlice = lpsVolume.slice(.axial, at: 1)
        XCTAssertEqual(lpsSlice[0, 0], lpsVolume[0, 0, 1])
        XCTAssertEqual(lpsSlice.geometry.edgeLetters.left, "R")
        XCTAssertEqual(lpsSlice.geometry.edgeLetters.top, "A")
        XCTAssertEqual(lpsSlice.geometry.pixelWidthMM, 0.8, accuracy: 1e-9)
    }

    func testCoronalAndSagittalSlices() {
        let volume = indexVolume(shape: [5, 4, 3], affine: psr)   // i → P, j → S, k → R
        let coronal = volume.slice(.coronal, at: 0)
        XCTAssertEqual(coronal.geometry.fixedAxis, 0)
        XCTAssertEqual(coronal.width, 3)       // along R–L (k)
        XCTAssertEqual(coronal.height, 4)      // along S–I (j)
        XCTAssertEqual(coronal[0, 0], volume[0, 3, 2])   // patient right (largest k), superior (largest j)
        XCTAssertEqual(coronal.geometry.edgeLetters.top, "S")
        let sagittal = volume.slice(.sagittal, at: 1)
        XCTAssertEqual(sagittal.width, 5)      // A–P along i, anterior (smallest i, since i runs to P) first
        XCTAssertEqual(sagittal[0, 0], volume[0, 3, 1])
        XCTAssertEqual(sagittal.geometry.pixelHeightMM, 1, accuracy: 1e-9)
        XCTAssertEqual(sagittal.geometry.pixelWidthMM, 1.0)
        // position(of:) inverts voxel(column:row:slice:).
        for plane in SlicePlane.allCases {
            let g = PlaneGeometry(grid: volume.grid, plane: plane)
            let v = g.voxel(column: 1, row: 2, slice: 0)
            XCTAssertEqual(g.position(of: v).column, 1)
            XCTAssertEqual(g.position(of: v).row, 2)
        }
    }

    func testTrilinearResamplingOfALinearRamp() {
        let grid = Grid(shape: [20, 10, 8], affine: Affine(rows: [[0.8, 0, 0, 5], [0, 0.8, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]]))
        var volume = Volume(grid: grid, voxels: [Float](repeating: 0, count: grid.voxelCount))
        func ramp(_ p: WorldPoint) -> Float { Float(2 * p.x - 3 * p.y + 0.5 * p.z) }
        for k in 0..<8 { for j in 0..<10 { for i in 0..<20 { volume[i, j, k] = ramp(grid.world(VoxelIndex(i, j, k))) } } }
        let resampled = volume.resampled(spacingMM: [1.0, 1.0, 1.0])
        XCTAssertEqual(resampled.shape, [16, 8, 20])
        XCTAssertEqual(resampled.spacingMM, [1, 1, 1])
        for k in 0..<17 { for j in 0..<7 { for i in 0..<15 {
            let expected = ramp(resampled.grid.world(VoxelIndex(i, j, k)))
            XCTAssertEqual(resampled[i, j, k], expected, accuracy: 1e-3)
        } } }
    }

    func testNearestResamplingOfLabelsRoundTrips() {
        let grid = Grid(shape: [8, 8, 4], affine: lps)
        var label = LabelVolume(grid: grid)
        for n in 0..<label.voxels.count { label.voxels[n] = UInt16(n % 3) }
        let fine = label.resampled(spacingMM: [0.4, 0.4, 1.25])
        XCTAssertEqual(fine.shape, [16, 16, 8])
        XCTAssertEqual(fine.resampled(to: grid).voxels, label.voxels)
    }

    func testCropKeepsWorldPositions() {
        let volume = indexVolume(shape: [10, 9, 8], affine: psr)
        let box = VoxelBox(lower: VoxelIndex(2, 3, 1), upper: VoxelIndex(7, 20, 4))
        let crop = volume.cropped(to: box)
        XCTAssertEqual(crop.shape, [5, 6, 3])
        XCTAssertEqual(crop[0, 0, 0], volume[2, 3, 1])
        let world = crop.grid.world(VoxelIndex(1, 1, 1))
        let expected = volume.grid.world(VoxelIndex(3, 4, 2))
        XCTAssertEqual(world, expected)
    }
}
