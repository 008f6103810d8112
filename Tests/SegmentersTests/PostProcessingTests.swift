// Post-processing keeps what the user seeded and fills enclosed holes; what the smoothing shaved off a stroked
// structure comes back within its band.

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

    func testShavedPartsComeBackWithinTheBandAndNeverWhereContestedOrMarked() {
        // Two rows of voxels: the answer at 0–1, then a strand that prefers the structure (2–6; 6 marked as
        // background, 7 prefers the background); in row 1 the strand's first voxel is contested.
        let shape = [8, 2, 1]
        var assignment = [UInt8](repeating: 0, count: 16)
        assignment[0] = 1; assignment[1] = 1; assignment[8] = 1; assignment[9] = 1
        let costs: [[Float]] = [(0..<16).map { $0 % 8 < 7 ? 2 : 0 }, (0..<16).map { $0 % 8 < 7 ? 1 : 3 }]
        let preferred = ShavedParts.preferredClasses(costs)
        XCTAssertEqual(preferred[3], 1)
        XCTAssertEqual(preferred[7], 0)
        var fixed = [Int8](repeating: -1, count: 16)
        fixed[6] = 0
        var contested = [Bool](repeating: false, count: 16)
        contested[10] = true
        ShavedParts.restore(&assignment, class: 1, preferred: preferred, fixed: fixed, contested: contested, shape: shape, band: 2)
        // Two steps from the answer along row 0; row 1 stops at its contested voxel (and what lies beside row 0's
        // strand there is a third step away).
        XCTAssertEqual(Array(assignment[0..<8]), [1, 1, 1, 1, 0, 0, 0, 0])
        XCTAssertEqual(Array(assignment[8..<16]), [1, 1, 0, 0, 0, 0, 0, 0])
        var wide = [UInt8](repeating: 0, count: 16)
        wide[0] = 1
        ShavedParts.restore(&wide, class: 1, preferred: preferred, fixed: fixed, contested: contested, shape: shape, band: 8)
        XCTAssertEqual(wide[5], 1)
        XCTAssertEqual(wide[6], 0, "a marked background voxel stays background")
        XCTAssertEqual(wide[10], 0, "a contested voxel stays background")
    }
}
