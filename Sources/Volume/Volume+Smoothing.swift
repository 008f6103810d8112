// Separable Gaussian smoothing in voxel units, one axis at a time, slices spread over the cores.

import Dispatch
import Foundation
import Parallelism

extension Volume {
    /// The image blurred by a Gaussian of the given standard deviation (in voxels) along each axis.
    public func smoothed(sigmaVoxels sigma: [Double]) -> Volume {
        var out = self
        out.voxels = GaussianSmoothing.apply(voxels, shape: shape, sigma: sigma)
        return out
    }
}

public enum GaussianSmoothing {
    public static func kernel(sigma: Double) -> [Float] {
        guard sigma > 0 else { return [1] }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var weights = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        return weights
    }

    /// Smooths `values` (laid out i fastest) along each axis in turn; edges repeat the border value.
    public static func apply(_ values: [Float], shape: [Int], sigma: [Double]) -> [Float] {
        var current = values
        for axis in 0..<3 where sigma[axis] > 0 && shape[axis] > 1 {
            current = along(axis, current, shape: shape, kernel: kernel(sigma: sigma[axis]))
        }
        return current
    }

    static func along(_ axis: Int, _ values: [Float], shape: [Int], kernel: [Float]) -> [Float] {
        let radius = kernel.count / 2
        var out = [Float](repeating: 0, count: values.count)
        out.withUnsafeMutableBufferPointer { target in
            let target = UncheckedBox(target.baseAddress!)
            values.withUnsafeBufferPointer { source in
                let source = UncheckedBox(UnsafeMutablePointer(mutating: source.baseAddress!))
                if axis == 0 {
                    // Lines along i are contiguous: one line at a time, clamping only near its ends.
                    let n = shape[0], lines = shape[1] * shape[2]
                    concurrentChunks(lines) { line in
                        let src = source.value + line * n, dst = target.value + line * n
                        for t in 0..<n {
                            var sum: Float = 0
                            if t >= radius && t + radius < n {
                                for (w, weight) in kernel.enumerated() { sum += weight * src[t + w - radius] }
                            } else {
                                for (w, weight) in kernel.enumerated() { sum += weight * src[min(max(t + w - radius, 0), n - 1)] }
                            }
                            dst[t] = sum
                        }
                    }
                } else {
                    // Along j or k, whole rows (or planes) are contiguous: each output row is a weighted sum of
                    // input rows, a vectorised loop, rather than a strided walk down every line.
                    let row = axis == 1 ? shape[0] : shape[0] * shape[1]
                    let n = shape[axis], blocks = axis == 1 ? shape[2] : 1
                    concurrentChunks(blocks * n) { item in
                        let block = item / n, t = item % n
                        let base = source.value + block * n * row, dst = target.value + block * n * row + t * row
                        for (w, weight) in kernel.enumerated() {
                            let src = base + min(max(t + w - radius, 0), n - 1) * row
                            for i in 0..<row { dst[i] += weight * src[i] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `body` for items 0..<count, spread over the cores in interleaved parts.
    static func concurrentChunks(_ count: Int, _ body: @Sendable (Int) -> Void) {
        let parts = min(count, 32)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            for item in stride(from: part, to: count, by: parts) { body(item) }
        }
    }
}
