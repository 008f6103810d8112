// Post-processing keeps what the user seeded and fills enclosed holes.

@testable import Segmenters
import XCTest

final class PostProcessingTests: XCTestCase {
    func testKeepsSeededComponentsAndFillsHoles() {
        let shape = [9, 9, 3]
        func at(_ i: Int, _ j: Int, _ k: Int) -> Int { i + 9 * (j + 9 * k) }
        var mask = [Bool](repeating: false, count: 9 * 9 * 3)
        // A hollow 5×5 square (one voxel thick in k = 1) with a hole in the middle, and a stray voxel.
        for j in 1...5 { for i in 1...5 { mask[at(i, j, 1)] = true } }
        mask[at(3, 3, 1)] = false
        mask[at(8, 8, 2)] = true
        let kept = Components.keepSeeded(mask, shape: shape, seeds: [at(1, 1, 1)])
        XCTAssertFalse(kept[at(8, 8, 2)])
        XCTAssertTrue(kept[at(5, 5, 1)])
        // In 3D the hole at (3, 3, 1) opens to k = 0 and k = 2, so it is not enclosed.
        XCTAssertFalse(Components.fillHoles(kept, shape: shape)[at(3, 3, 1)])
        // Close it above and below: now it is a cavity and gets filled.
        var closed = kept
        for j in 1...5 { for i in 1...5 { closed[at(i, j, 0)] = true; closed[at(i, j, 2)] = true } }
        let filled = Components.fillHoles(closed, shape: shape)
        XCTAssertTrue(filled[at(3, 3, 1)])
        XCTAssertEqual(filled.filter { $0 }.count, closed.filter { $0 }.count + 1)
        // A negative click inside a structure: the cavity holding a background seed stays open.
        XCTAssertFalse(Components.fillHoles(closed, shape: shape, open: [at(3, 3, 1)])[at(3, 3, 1)])
        // No seed inside the mask: the largest component stays.
        XCTAssertEqual(Components.keepSeeded(mask, shape: shape, seeds: []).filter { $0 }.count, 24)
    }
}
