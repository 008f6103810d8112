// Temporary folders and small volumes shared by the Volume tests.

import Foundation
import Volume
import XCTest

extension XCTestCase {
    /// A new folder, removed when the test ends.
    func temporaryFolder(_ label: String = #function) throws -> String {
        let path = NSTemporaryDirectory() + "termlabel-tests-\(getpid())-\(label.filter { $0.isLetter })-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// A volume whose voxel value encodes its index, so that every permutation or flip shows.
func indexVolume(shape: [Int], affine: Affine) -> Volume {
    let grid = Grid(shape: shape, affine: affine)
    var voxels = [Float](repeating: 0, count: grid.voxelCount)
    for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
        voxels[grid.offset(i, j, k)] = Float(i + 100 * j + 10000 * k)
    } } }
    return Volume(grid: grid, voxels: voxels)
}

let conformanceFolder = ConformanceTests.folder.path
