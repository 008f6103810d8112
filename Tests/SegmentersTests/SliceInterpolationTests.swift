// Fill between slices: the distance transform is exact, and a shape drawn on two slices grows, shrinks or moves
// smoothly across the gap.

@testable import Segmenters
import Volume
import XCTest

final class SliceInterpolationTests: XCTestCase {
    func testDistanceTransformIsExact() {
        let (width, height) = (23, 17)
        let spacing = (0.7, 1.9)
        // A scattered pattern of set pixels (a fixed rule, no randomness).
        let mask = (0..<width * height).map { ($0 * 37 + ($0 / width) * 11) % 53 == 0 }
        let fast = SliceInterpolation.distance(to: mask, width: width, height: height, spacing: spacing)
        for n in 0..<width * height {
            var best = Double.infinity
            for m in 0..<width * height where mask[m] {
                let dx = Double(n % width - m % width) * spacing.0, dy = Double(n / width - m / width) * spacing.1
                best = min(best, (dx * dx + dy * dy).squareRoot())
            }
            XCTAssertEqual(fast[n], best, accuracy: 1e-9, "pixel \(n)")
        }
    }

    /// A label volume (1 mm voxels) with disks of label 1 on the given slices along k: (slice, centre i, centre j, radius).
    func disks(_ list: [(Int, Double, Double, Double)]) -> LabelVolume {
        var labels = LabelVolume(grid: Grid(shape: [48, 48, 20], affine: .identity))
        for (k, ci, cj, r) in list { for j in 0..<48 { for i in 0..<48 {
            let (x, y) = (Double(i) - ci, Double(j) - cj)
            if x * x + y * y <= r * r { labels[i, j, k] = 1 }
        } } }
        return labels
    }

    func filled(_ labels: LabelVolume) -> LabelVolume {
        var out = labels
        for o in SliceInterpolation.fill(labels, label: 1, axis: 2) { out.voxels[o] = 1 }
        return out
    }

    func area(_ labels: LabelVolume, slice k: Int) -> Int {
        var n = 0
        for j in 0..<48 { for i in 0..<48 where labels[i, j, k] == 1 { n += 1 } }
        return n
    }

    func centre(_ labels: LabelVolume, slice k: Int) -> Double {
        var sum = 0.0
        for j in 0..<48 { for i in 0..<48 where labels[i, j, k] == 1 { sum += Double(i) } }
        return sum / Double(area(labels, slice: k))
    }

    func testAShapeGrowsAcrossTheGapWithItsRadius() {
        // Concentric disks: the blended signed distance is a disk whose radius goes linearly from one to the other.
        let result = filled(disks([(2, 24, 24, 4), (12, 24, 24, 12)]))
        for k in 3..<12 {
            let radius = 4 + Double(k - 2) / 10 * 8
            XCTAssertEqual(Double(area(result, slice: k)), .pi * radius * radius, accuracy: 0.1 * .pi * radius * radius, "slice \(k)")
        }
        XCTAssertEqual(area(result, slice: 0), 0, "nothing beyond the drawn slices")
        XCTAssertEqual(area(result, slice: 15), 0)
    }

    func testAShapeMovesAcrossTheGap() {
        // Two overlapping disks 6 voxels apart: the filled disks step from one centre to the other and keep most of
        // their area (blended distances round a moving shape off a little in the middle).
        let result = filled(disks([(2, 20, 24, 10), (12, 26, 24, 10)]))
        for k in 3..<12 {
            XCTAssertEqual(centre(result, slice: k), 20 + Double(k - 2) / 10 * 6, accuracy: 1, "slice \(k)")
            XCTAssertGreaterThan(Double(area(result, slice: k)), 0.8 * .pi * 100, "slice \(k)")
        }
    }

    func testOtherLabelsAndAdjacentSlicesAreLeftAlone() {
        var labels = disks([(4, 24, 24, 8), (5, 24, 24, 8), (10, 24, 24, 8)])
        labels[24, 24, 7] = 2
        let offsets = SliceInterpolation.fill(labels, label: 1, axis: 2)
        let slices = Set(offsets.map { labels.grid.voxel(atOffset: $0).k })
        XCTAssertEqual(slices, [6, 7, 8, 9], "only the gap between 5 and 10")
        XCTAssertFalse(offsets.contains(labels.grid.offset(24, 24, 7)), "label 2 stays")
        XCTAssertTrue(SliceInterpolation.fill(disks([(4, 24, 24, 8)]), label: 1, axis: 2).isEmpty)
    }
}
