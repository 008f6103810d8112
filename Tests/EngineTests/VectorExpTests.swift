// The vector exp that softmax uses, against Foundation's, and softmax itself on runs that are not a multiple of the
// vector width.

@testable import Engine
import Foundation
import XCTest

final class VectorExpTests: XCTestCase {
    func testVectorExpIsWithinTwoUlpOfExp() {
        var worst: Float = 0
        var x: Float = -87
        while x + 0.007 <= 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.001 })
            let fast = VectorExp.exp(lanes)
            for lane in 0..<8 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, Float(abs(Double(fast[lane]) - exact) / exact) / Float.ulpOfOne)
            }
            x += 0.0173
        }
        XCTAssertLessThan(worst, 2, "worst error in ulp")
        // Far below the range the value is tiny, never zero, infinite or NaN.
        let low = VectorExp.exp(SIMD8(repeating: -200))[0]
        XCTAssertTrue(low > 0 && low < 1e-37)
    }

    func testSoftmaxSumsToOneAndKeepsOrderOnRaggedRuns() {
        // 3 channels × 37 voxels in 2 samples: runs of 8 and a tail of 5, per sample.
        let x = Tensor.randomNormal([2, 3, 1, 1, 37], seed: 11)
        let y = Tape(recording: false).softmax(Variable(x)).value
        let logY = Tape(recording: false).logSoftmax(Variable(x)).value
        for b in 0..<2 {
            for v in 0..<37 {
                let logits = (0..<3).map { Double(x.data[(b * 3 + $0) * 37 + v]) }
                let top = logits.max()!
                let total = logits.reduce(0) { $0 + Foundation.exp($1 - top) }
                for k in 0..<3 {
                    let i = (b * 3 + k) * 37 + v
                    XCTAssertEqual(Double(y.data[i]), Foundation.exp(logits[k] - top) / total, accuracy: 1e-6)
                    XCTAssertEqual(Double(logY.data[i]), logits[k] - top - Foundation.log(total), accuracy: 1e-5)
                }
            }
        }
    }
}
