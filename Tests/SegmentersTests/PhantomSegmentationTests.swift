// Simulated scribbles on a (reduced-resolution) CT phantom: the well-contrasted organs come out right. The
// full-resolution table is `termlabel eval scribbles samples/ct-abdomen` in a release build.

import Segmenters
import Volume
import VolumeTesting
import XCTest

final class PhantomSegmentationTests: XCTestCase {
    func testScribbledOrgansOfACTPhantom() throws {
        let phantom = AbdomenPhantom.make(seed: 1003, shape: [96, 96, 34], spacing: [3.0, 0, 5.0])
        var options = GraphCutOptions()
        var dice: [UInt16: Double] = [:]
        for label: UInt16 in [1, 2, 3] {   // liver, spleen, left kidney
            let scribbles = ScribbleSimulator.scribbles(for: phantom.labels, labels: [label], backgroundValue: 9)
            options.method = .gmm
            let result = try GraphCutSegmenter.segment(phantom.image, seeds: Seeds(scribbles: scribbles, backgroundValue: 9), options: options)
            dice[label] = result.labels.dice(with: phantom.labels, label: label)
        }
        for (label, value) in dice { XCTAssertGreaterThan(value, 0.85, "label \(label): \(dice)") }
    }
}
