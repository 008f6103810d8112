// Gaussian smoothing equals the sum it stands for at every voxel, edges included (they repeat the border value).

import Randomness
import Volume
import XCTest

final class SmoothingTests: XCTestCase {
    /// Σ over the 3D kernel of the clamped neighbours, voxel by voxel.
    func reference(_ values: [Float], shape: [Int], sigma: [Double]) -> [Float] {
        let kernels = sigma.enumerated().map { GaussianSmoothing.kernel(sigma: shape[$0.offset] > 1 ? $0.element : 0) }
        func at(_ i: Int, _ j: Int, _ k: Int) -> Float { values[i + shape[0] * (j + shape[1] * k)] }
        func clamp(_ t: Int, _ axis: Int) -> Int { min(max(t, 0), shape[axis] - 1) }
        var out = [Float](repeating: 0, count: values.count)
        let (r0, r1, r2) = (kernels[0].count / 2, kernels[1].count / 2, kernels[2].count / 2)
        for k in 0..<shape[2] { for j in 0..<shape[1] { for i in 0..<shape[0] {
            var sum: Float = 0
            for (c, wc) in kernels[2].enumerated() { for (b, wb) in kernels[1].enumerated() { for (a, wa) in kernels[0].enumerated() {
                sum += wa * wb * wc * at(clamp(i + a - r0, 0), clamp(j + b - r1, 1), clamp(k + c - r2, 2))
            } } }
            out[i + shape[0] * (j + shape[1] * k)] = sum
        } } }
        return out
    }

    func testSmoothingIsTheClampedKernelSumOnEveryAxis() {
        var generator = SplitMix(seed: 7)
        for (shape, sigma) in [([13, 9, 7], [1.0, 1.5, 0.8]), ([5, 11, 1], [2.0, 1.0, 3.0]), ([1, 6, 20], [1.0, 0.0, 2.5])] {
            let values = (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) }
            let smoothed = GaussianSmoothing.apply(values, shape: shape, sigma: sigma)
            let expected = reference(values, shape: shape, sigma: sigma)
            for n in values.indices { XCTAssertEqual(smoothed[n], expected[n], accuracy: 1e-5, "shape \(shape), voxel \(n)") }
        }
    }
}
