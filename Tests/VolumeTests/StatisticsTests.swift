// Percentiles agree with a plain sort and numpy's linear rule; NaN handling as numpy's min/max/mean.

import Randomness
import Volume
import XCTest

final class StatisticsTests: XCTestCase {
    func reference(_ values: [Float], _ p: Double) -> Double {
        let sorted = values.filter(\.isFinite).sorted()
        let rank = p / 100 * Double(sorted.count - 1)
        let lo = Int(rank.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return Double(sorted[lo]) + (Double(sorted[hi]) - Double(sorted[lo])) * (rank - Double(lo))
    }

    func testPercentilesMatchASortOnLargeAndTiedData() {
        var generator = SplitMix(seed: 7)
        // CT-like: a big spike of air plus integers with many ties, and a float tail.
        var values = [Float](repeating: -1000, count: 60_000)
        values += (0..<80_000).map { _ in Float(Int.random(in: -200...300, using: &generator)) }
        values += (0..<10_000).map { _ in Float.random(in: 300...1500, using: &generator) }
        values.shuffle()
        values += [.nan, .infinity]
        for p in [0, 1, 2.5, 37.3, 50, 99, 99.9, 100] {
            XCTAssertEqual(Percentiles.of(values, [p])[0], reference(values, p), accuracy: 1e-3, "p\(p)")
        }
        XCTAssertEqual(Percentiles.of([3, 1, 2], [50]), [2])
        XCTAssertEqual(Percentiles.of([1, 2], [25]), [1.25])
        XCTAssertTrue(Percentiles.of([.nan], [50])[0].isNaN)
    }

    func testMinMaxMeanFollowNumpy() {
        let stats = IntensityStatistics([1, 2, 3, .nan])
        XCTAssertTrue(stats.min.isNaN && stats.max.isNaN && stats.mean.isNaN)
        XCTAssertEqual(stats.finiteMin, 1)
        XCTAssertEqual(stats.finiteMax, 3)
        XCTAssertEqual(stats.finiteMean, 2)
        XCTAssertEqual(stats.nanCount, 1)
        XCTAssertEqual(IntensityStatistics([1, 2, 3, 6]).mean, 3)
    }

    func testHistogram() {
        XCTAssertEqual(Histogram.counts([0, 0.5, 1, 2, 9, 10, 11, .nan], bins: 5, range: 0...10), [3, 1, 0, 0, 3])
    }
}
